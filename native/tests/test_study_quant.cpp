// Study formats (ids >= 100): f16 conversion, bit packing round trip, RTN quantisation error
// bound (|w - dequant(quant(w))| <= s/2 per element), row sizes, bad arguments.
#include "test_util.h"
#include "../cpu/study_pack.h"
#include <cstring>
#include <cstdint>

static void test_f16() {
    CHECK(lb_f32_to_f16(1.f) == 0x3c00, "1.0");
    CHECK(lb_f32_to_f16(-2.f) == 0xc000, "-2.0");
    CHECK(lb_f32_to_f16(65504.f) == 0x7bff, "max");
    CHECK(lb_f32_to_f16(1e6f) == 0x7c00, "overflow to inf");
    CHECK(lb_f32_to_f16(5.9604645e-8f) == 0x0001, "smallest subnormal");
    CHECK(lb_f32_to_f16(0.1f) == 0x2e66, "0.1 -> %x", lb_f32_to_f16(0.1f));
    CHECK(lb_f32_to_f16(1.f + 1.f / 2048) == 0x3c00, "tie rounds to even");
    for (uint32_t h = 0; h < 0x7c00; h++) {  // every finite positive half survives the round trip
        const float f = lb_f16_to_f32((uint16_t)h);
        CHECK(lb_f32_to_f16(f) == h, "round trip %x", h);
        CHECK(lb_f16_to_f32(lb_f32_to_f16_up(f * 1.0001f)) >= f * 1.0001f, "round up %x", h);
    }
}

static void test_pack() {
    std::mt19937 rng(1);
    for (int bits : {2, 3, 4, 8}) {
        for (int n : {8, 16, 24, 64, 128}) {
            std::vector<int> q(n);
            std::vector<uint8_t> buf(n * bits / 8 + 1, 0);
            for (auto &v : q) v = (int)(rng() % (1u << bits));
            for (int j = 0; j < n; j++) lb_put_code(buf.data(), bits, j, q[j]);
            CHECK(buf[n * bits / 8] == 0, "packing wrote past %d bytes", n * bits / 8);
            for (int j = 0; j < n; j++) CHECK(lb_get_code(buf.data(), bits, j) == q[j], "bits %d code %d", bits, j);
        }
    }
    // LSB-first layout, checked by hand: 3-bit codes 1..8 -> bits 001 010 011 100 101 110 111 000
    uint8_t b3[3] = {0, 0, 0};
    for (int j = 0; j < 8; j++) lb_put_code(b3, 3, j, (j + 1) & 7);
    CHECK(b3[0] == 0xd1 && b3[1] == 0x58 && b3[2] == 0x1f, "3-bit layout %02x %02x %02x", b3[0], b3[1], b3[2]);
    uint8_t b4 = 0;
    lb_put_code(&b4, 4, 0, 0x3);
    lb_put_code(&b4, 4, 1, 0xa);
    CHECK(b4 == 0xa3, "4-bit layout");
    uint8_t i4[1] = {0};
    lb_put_i4(i4, 0, -8);
    lb_put_i4(i4, 1, 7);
    CHECK(lb_get_i4(i4, 0) == -8 && lb_get_i4(i4, 1) == 7 && i4[0] == 0x78, "int4 layout");
}

static void test_group_formats() {
    const int fmts[] = {LB_W4G, LB_W3G, LB_W2G, LB_KV8, LB_KV4, LB_KV3};
    for (int fmt : fmts) {
        const int bits = group_bits(fmt);
        for (int group : {8, 32, 64, 128, 192}) {
            const int64_t rows = 5, cols = 384;
            auto w = random_floats(rows * cols, 7 + group, -2.f, 1.f);
            for (int i = 0; i < group; i++) w[i] = 0.f;                       // zero group
            for (int i = 0; i < group; i++) w[group + i] = 0.25f;              // constant positive group
            for (int i = 0; i < group; i++) w[cols + i] = 1.f + 0.01f * (float)i;  // all positive
            const int64_t rb = lb_row_bytes(fmt, group, cols);
            CHECK(rb == cols / group * (3 + group * bits / 8), "row bytes");
            std::vector<uint8_t> q(rows * rb);
            std::vector<float> d(rows * cols);
            CHECK(lb_quantize(fmt, group, w.data(), q.data(), rows, cols) == LB_OK, "quantize");
            CHECK(lb_dequantize(fmt, group, q.data(), d.data(), rows, cols) == LB_OK, "dequantize");
            for (int64_t r = 0; r < rows; r++)
                for (int64_t c = 0; c < cols; c++) {
                    const uint8_t *blk = q.data() + r * rb + (c / group) * (rb / (cols / group));
                    const float s = lb_block_scale(blk);
                    const float e = std::fabs(w[r * cols + c] - d[r * cols + c]);
                    CHECK(e <= s * 0.5f * (1 + 1e-5f) + 1e-7f, "fmt %d g %d r %lld c %lld err %g > s/2 = %g", fmt, group,
                          (long long)r, (long long)c, e, s / 2);
                }
            for (int i = 0; i < group; i++) CHECK(d[i] == 0.f, "zero group must stay exactly zero");
        }
    }
}

static void test_sym_formats() {
    for (int fmt : {LB_I8CH, LB_I4CH, LB_I8CHA, LB_I4CHA}) {
        const int qmax = fmt == LB_I4CH || fmt == LB_I4CHA ? 7 : 127;
        const int64_t rows = 4, cols = 130;
        auto w = random_floats(rows * cols, 3, -3.f, 3.f);
        for (int c = 0; c < cols; c++) w[c] = 0.f;  // all-zero row
        const int64_t rb = lb_row_bytes(fmt, 0, cols);
        CHECK(rb == 4 + (fmt == LB_I4CH || fmt == LB_I4CHA ? cols / 2 : cols), "row bytes");
        std::vector<uint8_t> q(rows * rb);
        std::vector<float> d(rows * cols);
        CHECK(lb_quantize(fmt, 0, w.data(), q.data(), rows, cols) == LB_OK, "quantize");
        CHECK(lb_dequantize(fmt, 0, q.data(), d.data(), rows, cols) == LB_OK, "dequantize");
        for (int64_t r = 0; r < rows; r++) {
            float s, amax = 0.f;
            std::memcpy(&s, q.data() + r * rb, 4);
            for (int64_t c = 0; c < cols; c++) amax = std::fmax(amax, std::fabs(w[r * cols + c]));
            CHECK(r == 0 ? s == 1.f : std::fabs(s - amax / qmax) <= 1e-6f * amax, "scale row %lld", (long long)r);
            for (int64_t c = 0; c < cols; c++)
                CHECK(std::fabs(w[r * cols + c] - d[r * cols + c]) <= s * 0.5f * (1 + 1e-5f), "fmt %d err", fmt);
        }
        if (fmt == LB_I4CH || fmt == LB_I4CHA)  // symmetric: -8 never used
            for (int64_t r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) CHECK(lb_get_i4(q.data() + r * rb + 4, c) >= -7, "int4 code -8 used");
    }
}

static void test_bad_args() {
    std::vector<float> w(256, 1.f);
    std::vector<uint8_t> q(4096);
    CHECK(lb_quantize(LB_W4G, 12, w.data(), q.data(), 1, 96) == LB_ERR_ARG, "group not a multiple of 8");
    CHECK(lb_quantize(LB_W4G, 64, w.data(), q.data(), 1, 96) == LB_ERR_ARG, "cols not a multiple of group");
    CHECK(lb_quantize(LB_W4G, 0, w.data(), q.data(), 1, 96) == LB_ERR_ARG, "group 0");
    CHECK(lb_quantize(LB_I4CH, 0, w.data(), q.data(), 1, 7) == LB_ERR_ARG, "odd cols for int4");
    CHECK(lb_quantize(LB_W3G, 32, nullptr, q.data(), 1, 96) == LB_ERR_ARG, "null src");
    CHECK(lb_quantize(199, 32, w.data(), q.data(), 1, 96) == LB_ERR_FORMAT, "unknown format");
    CHECK(lb_dequantize(LB_W2G, 32, q.data(), w.data(), 0, 96) == LB_ERR_ARG, "zero rows");
    float y[2];
    CHECK(lb_matmul(LB_KV4, 32, q.data(), 1, 32, w.data(), 1, y) == LB_ERR_FORMAT, "KV format is not a weight format");
}

int main() {
    test_f16();
    test_pack();
    test_group_formats();
    test_sym_formats();
    test_bad_args();
    return finish("test_study_quant");
}
