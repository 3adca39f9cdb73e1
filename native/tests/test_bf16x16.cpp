// LB_BF16X16 (BF16 repacked in 16-row blocks): the repack keeps LB_BF16's values exactly, and lb_matmul
// computes LB_BF16's arithmetic at every ISA level:
//  - quantize + dequantize give the same floats as through LB_BF16 (memcmp);
//  - at one token the scalar reference gives the same floats as LB_BF16's (both sum in column order;
//    LB_BF16's driver splits long rows into column chunks for several tokens);
//  - every level (the AVX512_BF16 broadcast kernel where the CPU has it) within 1e-5 of sum |w x| of a
//    double-precision sum of the exact bf16 products, at 1..40 tokens (token tiles of 16 and the
//    balanced splits past them), also on a slice of whole blocks;
//  - a row count that is not whole blocks takes whole blocks, the padding rows written as zeros;
//  - odd column counts (the layout holds column pairs) are refused with LB_ERR_ARG.
#include "test_util.h"
#include <cstring>
#include "../cpu/study_pack.h"

static std::vector<float> matmul(int fmt, const void *w, int64_t rows, int64_t cols, const std::vector<float> &x,
                                 int64_t ntok, int isa) {
    lb_isa_set(isa);
    std::vector<float> y(rows * ntok, -1.f);
    CHECK(lb_matmul(fmt, 0, w, rows, cols, x.data(), ntok, y.data()) == LB_OK, "matmul fmt %d isa %d", fmt, isa);
    return y;
}

static void test_shape(int64_t rows, int64_t cols, unsigned seed) {
    const auto wf = random_floats(rows * cols, seed, -1.f, 1.5f);
    const int64_t blocks = (rows + 15) / 16, rb = lb_row_bytes(LB_BF16X16, 0, cols);
    std::vector<uint8_t> wb(rows * lb_row_bytes(LB_BF16, 0, cols)), wx(blocks * 16 * rb, 0xAB);
    CHECK(rb == lb_row_bytes(LB_BF16, 0, cols), "same bytes per row");
    CHECK(lb_quantize(LB_BF16, 0, wf.data(), wb.data(), rows, cols) == LB_OK, "quantize bf16");
    CHECK(lb_quantize(LB_BF16X16, 0, wf.data(), wx.data(), rows, cols) == LB_OK, "quantize bf16x16");
    // (with one column pair the blocks are row-major)
    CHECK(std::memcmp(wb.data(), wx.data(), wb.size()) != 0 || cols == 2, "the layout differs from row-major");
    // the last block's padding rows (lanes rows % 16 ..) are zero words
    const uint16_t *words = (const uint16_t *)(wx.data() + (blocks - 1) * 16 * rb);
    for (int64_t p = 0; p < cols / 2; p++)
        for (int64_t lane = rows - (blocks - 1) * 16; lane < 16; lane++)
            for (int e = 0; e < 2; e++)
                if (words[(p * 16 + lane) * 2 + e] != 0) {
                    CHECK(false, "%lldx%lld: padding lane %lld not zero", (long long)rows, (long long)cols, (long long)lane);
                    p = cols, lane = 16;
                    break;
                }
    std::vector<float> db(rows * cols), dx(rows * cols);
    CHECK(lb_dequantize(LB_BF16, 0, wb.data(), db.data(), rows, cols) == LB_OK, "dequantize bf16");
    CHECK(lb_dequantize(LB_BF16X16, 0, wx.data(), dx.data(), rows, cols) == LB_OK, "dequantize bf16x16");
    CHECK(std::memcmp(db.data(), dx.data(), db.size() * 4) == 0, "%lldx%lld: repack changed values", (long long)rows,
          (long long)cols);
    for (int64_t ntok : {1, 2, 3, 4, 5, 8, 15, 16, 17, 33, 40}) {
        const auto x = random_floats(ntok * cols, seed + 1000 + (unsigned)ntok);
        std::vector<double> ref(rows * ntok), mag(rows * ntok);
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = 0; r < rows; r++) {
                double a = 0, m = 0;
                for (int64_t c = 0; c < cols; c++) {
                    const double p = (double)db[r * cols + c] * lb_bf16_round(x[t * cols + c]);
                    a += p, m += std::fabs(p);
                }
                ref[t * rows + r] = a, mag[t * rows + r] = m;
            }
        const auto yb = matmul(LB_BF16, wb.data(), rows, cols, x, ntok, LB_ISA_SCALAR);
        const auto ys = matmul(LB_BF16X16, wx.data(), rows, cols, x, ntok, LB_ISA_SCALAR);
        CHECK(ntok > 1 || std::memcmp(yb.data(), ys.data(), yb.size() * 4) == 0, "%lldx%lld ntok %lld: scalar references differ",
              (long long)rows, (long long)cols, (long long)ntok);
        for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
            const auto y = matmul(LB_BF16X16, wx.data(), rows, cols, x, ntok, isa);
            for (size_t i = 0; i < y.size(); i++)
                if (!(std::fabs(y[i] - ref[i]) <= 1e-5 * mag[i] + 1e-30)) {
                    CHECK(false, "%s %lldx%lld ntok %lld [%zu]: %g vs %g", isa_name(isa), (long long)rows, (long long)cols,
                          (long long)ntok, i, y[i], ref[i]);
                    break;
                }
            // a slice of whole blocks (rows 16..): its rows of the full product, bit for bit
            if (rows >= 32) {
                const int64_t sr = rows - 16;
                const auto ysl = matmul(LB_BF16X16, wx.data() + 16 * lb_row_bytes(LB_BF16X16, 0, cols), sr, cols, x, ntok, isa);
                for (int64_t t = 0; t < ntok; t++)
                    CHECK(std::memcmp(ysl.data() + t * sr, y.data() + t * rows + 16, sr * 4) == 0, "%s slice token %lld",
                          isa_name(isa), (long long)t);
            }
        }
    }
}

static void test_refused() {
    std::vector<float> f(40 * 64, 0.5f), y(40 * 4);
    std::vector<uint8_t> w(48 * 64 * 2);
    CHECK(lb_quantize(LB_BF16X16, 0, f.data(), w.data(), 16, 63) == LB_ERR_ARG, "odd cols quantize");
    CHECK(lb_dequantize(LB_BF16X16, 0, w.data(), f.data(), 16, 63) == LB_ERR_ARG, "odd cols dequantize");
    CHECK(lb_matmul(LB_BF16X16, 0, w.data(), 16, 63, f.data(), 1, y.data()) == LB_ERR_ARG, "odd cols matmul");
    CHECK(lb_row_bytes(LB_BF16X16, 0, 64) == 128 && lb_row_bytes(LB_BF16X16, 0, 63) == -1, "row bytes");
}

int main() {
    test_shape(16, 2, 1);
    test_shape(48, 70, 2);      // a tail of 6 columns past the last 32
    test_shape(40, 70, 5);      // 2 blocks and 8 rows of a third
    test_shape(5, 64, 6);       // less than one block
    test_shape(21, 896, 7);     // a last block of 5 rows, as the 151669-row vocabulary of the shared Qwen2.5 tokenizer
    test_shape(160, 896, 3);    // Qwen2.5-0.5B width
    test_shape(64, 4864, 4);    // its FFN width
    test_refused();
    return finish("test_bf16x16");
}
