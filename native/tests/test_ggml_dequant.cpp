// Dequantization of hand-built blocks of every ggml-native format against values worked out
// by hand from the GGUF block definitions (not from the library's own decoder).
#include <cstring>
#include <cstdint>
#include "test_util.h"

namespace {

const uint16_t H_QUARTER = 0x3400, H_HALF = 0x3800, H_ONE = 0x3c00, H_TWO = 0x4000, H_MINUS_ONE = 0xbc00;

void put16(uint8_t *p, uint16_t v) { std::memcpy(p, &v, 2); }
void put32(uint8_t *p, uint32_t v) { std::memcpy(p, &v, 4); }

std::vector<float> deq(int fmt, const uint8_t *blk, int n) {
    std::vector<float> y(n, -12345.f);
    CHECK(lb_dequantize(fmt, 0, blk, y.data(), 1, n) == LB_OK, "fmt %d dequantize failed", fmt);
    return y;
}

void expect(const char *name, const std::vector<float> &got, const std::vector<float> &want) {
    int bad = 0;
    for (size_t i = 0; i < want.size(); i++)
        if (got[i] != want[i] && bad++ < 4) CHECK(false, "%s[%zu] = %g, want %g", name, i, got[i], want[i]);
}

void test_float_types() {
    const uint16_t h[5] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00};
    expect("f16", deq(LB_F16, (const uint8_t *)h, 5), {1.f, -2.f, 65504.f, std::ldexp(1.f, -24), INFINITY});
    const uint16_t b[3] = {0x3f80, 0xc040, 0x0000};
    expect("bf16", deq(LB_BF16, (const uint8_t *)b, 3), {1.f, -3.f, 0.f});
}

void test_q8_0() {
    uint8_t blk[34];
    put16(blk, H_HALF);
    for (int j = 0; j < 32; j++) blk[2 + j] = (uint8_t)(int8_t)(j - 16);
    std::vector<float> want(32);
    for (int j = 0; j < 32; j++) want[j] = 0.5f * (j - 16);
    expect("q8_0", deq(LB_Q8_0, blk, 32), want);
}

// nibbles: low = j, high = 15 - j for byte j
void fill_nibbles(uint8_t *qs) {
    for (int j = 0; j < 16; j++) qs[j] = (uint8_t)(j | ((15 - j) << 4));
}

void test_q4_q5() {
    std::vector<float> want(32);
    uint8_t b40[18];
    put16(b40, H_TWO);
    fill_nibbles(b40 + 2);
    for (int j = 0; j < 16; j++) { want[j] = 2.f * (j - 8); want[j + 16] = 2.f * (7 - j); }
    expect("q4_0", deq(LB_Q4_0, b40, 32), want);

    uint8_t b41[20];
    put16(b41, H_HALF);
    put16(b41 + 2, H_MINUS_ONE);
    fill_nibbles(b41 + 4);
    for (int j = 0; j < 16; j++) { want[j] = 0.5f * j - 1.f; want[j + 16] = 0.5f * (15 - j) - 1.f; }
    expect("q4_1", deq(LB_Q4_1, b41, 32), want);

    uint8_t b50[22];  // high bit set for elements 0..15 only
    put16(b50, H_ONE);
    put32(b50 + 2, 0x0000ffffu);
    fill_nibbles(b50 + 6);
    for (int j = 0; j < 16; j++) { want[j] = (float)j; want[j + 16] = (float)(-1 - j); }
    expect("q5_0", deq(LB_Q5_0, b50, 32), want);

    uint8_t b51[24];  // high bit set for elements 16..31 only
    put16(b51, H_QUARTER);
    put16(b51 + 2, H_ONE);
    put32(b51 + 4, 0xffff0000u);
    fill_nibbles(b51 + 8);
    for (int j = 0; j < 16; j++) { want[j] = 0.25f * j + 1.f; want[j + 16] = 0.25f * (31 - j) + 1.f; }
    expect("q5_1", deq(LB_Q5_1, b51, 32), want);
}

// Q4_K/Q5_K scales: sub-block sb has scale sc[sb], min mn[sb]; two of them need the 6-bit
// high parts packed in the top bits of bytes 0..7.
void pack_k4(uint8_t *s, const int *sc, const int *mn) {
    for (int j = 0; j < 4; j++) {
        s[j] = (uint8_t)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = (uint8_t)((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
        s[j + 8] = (uint8_t)((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
    }
}

void test_q45_k() {
    const int sc[8] = {1, 2, 3, 4, 5, 50, 7, 8}, mn[8] = {0, 2, 4, 6, 8, 10, 40, 14};
    std::vector<float> want(256);
    uint8_t b4[144];
    put16(b4, H_ONE);
    put16(b4 + 2, H_HALF);
    pack_k4(b4 + 4, sc, mn);
    for (int i = 0; i < 4; i++) fill_nibbles(b4 + 16 + 32 * i), fill_nibbles(b4 + 16 + 32 * i + 16);
    for (int sb = 0; sb < 8; sb++)
        for (int l = 0; l < 32; l++) {
            const int code = sb % 2 == 0 ? (l & 15) : 15 - (l & 15);
            want[32 * sb + l] = 1.f * sc[sb] * code - 0.5f * mn[sb];
        }
    expect("q4_k", deq(LB_Q4_K, b4, 256), want);

    uint8_t b5[176];
    put16(b5, H_ONE);
    put16(b5 + 2, H_HALF);
    pack_k4(b5 + 4, sc, mn);
    for (int l = 0; l < 32; l++) b5[16 + l] = l < 16 ? 0xff : 0x00;  // bit 4 for l < 16 in every sub-block
    for (int i = 0; i < 4; i++) fill_nibbles(b5 + 48 + 32 * i), fill_nibbles(b5 + 48 + 32 * i + 16);
    for (int sb = 0; sb < 8; sb++)
        for (int l = 0; l < 32; l++) {
            const int code = (sb % 2 == 0 ? (l & 15) : 15 - (l & 15)) + (l < 16 ? 16 : 0);
            want[32 * sb + l] = 1.f * sc[sb] * code - 0.5f * mn[sb];
        }
    expect("q5_k", deq(LB_Q5_K, b5, 256), want);
}

void test_q6_k() {
    uint8_t b[210];
    std::memset(b, 0x21, 128);        // ql: low nibble 1, high nibble 2
    std::memset(b + 128, 0xe4, 64);   // qh: 2-bit fields 0,1,2,3 for quarters 0..3
    for (int g = 0; g < 16; g++) b[192 + g] = (uint8_t)(int8_t)(g - 8);
    put16(b + 208, H_HALF);
    const int code[4] = {1 - 32, 1 + 16 - 32, 2 + 32 - 32, 2 + 48 - 32};
    std::vector<float> want(256);
    for (int e = 0; e < 256; e++) want[e] = 0.5f * (float)(e / 16 - 8) * (float)code[(e % 128) / 32];
    expect("q6_k", deq(LB_Q6_K, b, 256), want);
}

void test_q2_q3_k() {
    uint8_t b2[84];
    for (int g = 0; g < 16; g++) b2[g] = (uint8_t)(g | ((15 - g) << 4));  // scale g, min 15-g
    std::memset(b2 + 16, 0xe4, 64);  // 2-bit code j for the j-th 32 of each 128
    put16(b2 + 80, H_ONE);
    put16(b2 + 82, H_QUARTER);
    std::vector<float> want(256);
    for (int e = 0; e < 256; e++) {
        const int g = e / 16, j = (e % 128) / 32;
        want[e] = 1.f * g * j - 0.25f * (15 - g);
    }
    expect("q2_k", deq(LB_Q2_K, b2, 256), want);

    uint8_t b3[110];
    std::memset(b3, 0x0f, 32);        // hmask bits 0..3 set: first 128 keep the code, last 128 subtract 4
    std::memset(b3 + 32, 0xe4, 64);
    std::memset(b3 + 96, 0, 12);
    for (int i = 0; i < 16; i++) {    // scale i - 8, stored biased: i + 24 (6 bits, low 4 + high 2)
        const int u = i + 24;
        b3[96 + i % 8] |= (uint8_t)((u & 15) << (4 * (i / 8)));
        b3[96 + 8 + i % 4] |= (uint8_t)((u >> 4) << (2 * (i / 4)));
    }
    put16(b3 + 108, H_HALF);
    for (int e = 0; e < 256; e++) {
        const int g = e / 16, n = e / 128, j = (e % 128) / 32;
        want[e] = 0.5f * (float)(g - 8) * (float)(j - (n == 0 ? 0 : 4));
    }
    expect("q3_k", deq(LB_Q3_K, b3, 256), want);
}

void test_bad_args() {
    uint8_t blk[34] = {0};
    float y[64];
    CHECK(lb_dequantize(LB_Q8_0, 0, blk, y, 1, 33) == LB_ERR_ARG, "cols not a block multiple");
    CHECK(lb_dequantize(LB_Q8_0, 0, nullptr, y, 1, 32) == LB_ERR_ARG, "null src");
    CHECK(lb_dequantize(4, 0, blk, y, 1, 32) == LB_ERR_FORMAT, "unused id 4");
    CHECK(lb_quantize(LB_Q4_K, 0, y, blk, 1, 64) == LB_ERR_ARG, "K-quant needs 256 columns");
}

}  // namespace

int main() {
    test_float_types();
    test_q8_0();
    test_q4_q5();
    test_q45_k();
    test_q6_k();
    test_q2_q3_k();
    test_bad_args();
    return finish("test_ggml_dequant");
}
