// y[t][r] = sum_c W[r][c] x[t][c] for the grouped and per-channel weight formats, with the scalar
// reference of each and the dispatch to the SIMD variants (study_matmul_avx512.cpp, study_matmul_avx2.cpp,
// study_int_avx2.cpp; on ARM64 study_matmul_neon.cpp, study_matmul_dotprod.cpp).
//  - W*G (weight-only, 16-bit activations): FP32 accumulation of bf16(s*(q-z)) * bf16(x), the
//    arithmetic of the study's BF16 fake-quant (dequantised weight and activation both rounded to
//    bfloat16, products exact in FP32). Every variant computes exactly these products; only the
//    summation order differs (AVX512_BF16 vdpbf16ps where the CPU has it, else FP32 FMA).
//  - I8CH (W8A8): x quantised per token to int8 (symmetric, -127..127), int32 dot products,
//    y = (s_w * s_x) * acc.
//  - I8CHA: as I8CH but x quantised per token to u8 with a zero point (asymmetric); the integer
//    sum is sum w*q - z_x*sum w.
//  - I4CH (W4A4): x quantised per token to int4 (symmetric, -7..7, never -8), int32 dot products.
//  - I4CHA: weights as I4CH, x quantised per token to u4 (0..15) with a zero point (the study's
//    W4A4 `--a_asym`); the integer sum is sum w*q - z_x*sum w, as I8CHA's.
#include "dispatch.h"
#include "format_table.h"
#include "lowbit/lowbit.h"
#include "study_internal.h"
#include "study_pack.h"
#include <cmath>
#include <cstring>

namespace {
struct alignas(64) Line { uint8_t b[64]; };  // scratch comes in whole 64-byte lines: SIMD rows never split lines
}
float *study_scratch_f32(size_t n) {
    thread_local std::vector<Line> buf;
    if (buf.size() * 16 < n) buf.resize((n + 15) / 16);
    return (float *)buf.data();
}
void *study_scratch_rows(size_t bytes) {
    thread_local std::vector<Line> buf;
    if (buf.size() * 64 < bytes) buf.resize((bytes + 63) / 64);
    return buf.data();
}
int8_t *study_scratch_i8(size_t n) {
    thread_local std::vector<Line> buf;
    if (buf.size() * 64 < n) buf.resize((n + 63) / 64);
    return (int8_t *)buf.data();
}

void study_round_bf16(const float *x, int64_t n, float *out) {
    for (int64_t i = 0; i < n; i++) out[i] = lb_bf16_round(x[i]);
}


float study_quant_act(const float *x, int64_t cols, int qmax, int8_t *q, int32_t *qsum) {
#if LB_X86
    if (lb_isa_current() >= LB_ISA_AVX512) return study_quant_act_avx512(x, cols, qmax, q, qsum);
#endif
    float amax = 0.f;
    for (int64_t c = 0; c < cols; c++) amax = std::fmax(amax, std::fabs(x[c]));
    const float inv = amax > 0.f ? (float)qmax / amax : 0.f;
    int32_t sum = 0;
    for (int64_t c = 0; c < cols; c++) {
        q[c] = (int8_t)lb_sym_quant(x[c], inv, qmax);
        sum += q[c];
    }
    if (qsum) *qsum = sum;
    return lb_sym_scale(amax, qmax);
}

float study_quant_act_asym(const float *x, int64_t cols, int qmax, uint8_t *q, int32_t *zero) {
#if LB_X86
    if (lb_isa_current() >= LB_ISA_AVX512) return study_quant_act_asym_avx512(x, cols, qmax, q, zero);
#endif
    float mn = 0.f, mx = 0.f;
    for (int64_t c = 0; c < cols; c++) {
        mn = std::fmin(mn, x[c]);
        mx = std::fmax(mx, x[c]);
    }
    int z;
    const float s = lb_asym_act_params(mn, mx, &z, qmax);
    const float inv = 1.f / s;
    for (int64_t c = 0; c < cols; c++) q[c] = (uint8_t)lb_asym_act_quant(x[c], inv, z, qmax);
    *zero = z;
    return s;
}

StudyAsymActs study_quant_acts_asym(const float *x, int64_t ntok, int64_t cols, int qmax) {
    uint8_t *q = (uint8_t *)study_scratch_i8((size_t)(ntok * cols));
    float *scale = study_scratch_f32((size_t)(2 * ntok));
    int32_t *zero = (int32_t *)(scale + ntok);
    for (int64_t t = 0; t < ntok; t++) scale[t] = study_quant_act_asym(x + t * cols, cols, qmax, q + t * cols, &zero[t]);
    return {q, scale, zero};
}

namespace {
void matmul_wg_scalar(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x,
                      int64_t ntok, float *y) {
    const int64_t bb = lb_group_block_bytes(bits, group), rb = cols / group * bb;
    float *xb = study_scratch_f32((size_t)(ntok * cols));
    study_round_bf16(x, ntok * cols, xb);
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        std::vector<float> deq(cols);
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *row = w + r * rb;
            for (int64_t g = 0; g < cols / group; g++) lb_dequant_group(row + g * bb, bits, group, deq.data() + g * group);
            for (int64_t c = 0; c < cols; c++) deq[c] = lb_bf16_round(deq[c]);
            for (int64_t t = 0; t < ntok; t++) {
                const float *xt = xb + t * cols;
                float acc = 0.f;
                for (int64_t c = 0; c < cols; c++) acc += deq[c] * xt[c];
                y[t * rows + r] = acc;
            }
        }
    }
}

// I8CH and I4CH share everything but the weight code accessor
void matmul_sym_scalar(bool int4, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                       float *y) {
    const int64_t rb = 4 + (int4 ? cols / 2 : cols);  // {f32 scale; codes}
    int8_t *xq = study_scratch_i8((size_t)(ntok * cols));
    float *sx = study_scratch_f32((size_t)ntok);
    for (int64_t t = 0; t < ntok; t++) sx[t] = study_quant_act(x + t * cols, cols, int4 ? 7 : 127, xq + t * cols, nullptr);
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * rb;
        float sw;
        std::memcpy(&sw, row, 4);
        for (int64_t t = 0; t < ntok; t++) {
            const int8_t *q = xq + t * cols;
            int32_t acc = 0;
            if (int4)
                for (int64_t c = 0; c < cols; c++) acc += lb_get_i4(row + 4, (int)c) * q[c];
            else
                for (int64_t c = 0; c < cols; c++) acc += ((const int8_t *)(row + 4))[c] * q[c];
            y[t * rows + r] = (sw * sx[t]) * (float)acc;
        }
    }
}
// I8CHA (int8 weights, u8 activations) and I4CHA (int4 weights, u4 activations)
void matmul_asym_scalar(bool int4, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                        float *y) {
    const int64_t rb = 4 + (int4 ? cols / 2 : cols);
    const StudyAsymActs acts = study_quant_acts_asym(x, ntok, cols, int4 ? 15 : 255);
    const uint8_t *xq = acts.q;
    const float *sx = acts.scale;
    const int32_t *zx = acts.zero;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * rb;
        auto wq = [&](int64_t c) { return int4 ? lb_get_i4(row + 4, (int)c) : (int)((const int8_t *)(row + 4))[c]; };
        float sw;
        std::memcpy(&sw, row, 4);
        int32_t wsum = 0;
        for (int64_t c = 0; c < cols; c++) wsum += wq(c);
        for (int64_t t = 0; t < ntok; t++) {
            const uint8_t *q = xq + t * cols;
            int32_t acc = 0;
            for (int64_t c = 0; c < cols; c++) acc += wq(c) * (int32_t)q[c];
            y[t * rows + r] = (sw * sx[t]) * (float)(acc - zx[t] * wsum);
        }
    }
}
}  // namespace

// The format table's entries (format_table.h). invariant: only the W*G SIMD kernels and BF16X16 sum
// a token's row in an order that depends on the token count (the scalar references, the AVX2 kernel
// and the integer formats never do).
int32_t matmul_groups(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                      int64_t ntok, float *y, bool invariant) {
    const int isa = lb_isa_current(), bits = f.info.bits;
    const uint8_t *wb = (const uint8_t *)w;
#if LB_X86
    if (group % 128 == 0 && lb_bf16_kernels())
        matmul_wg_bf16_avx512(bits, group, wb, rows, cols, x, ntok, y, invariant);
    else if (isa >= LB_ISA_AVX512 && group % 32 == 0)
        matmul_wg_avx512(bits, group, wb, rows, cols, x, ntok, y, invariant);
    else if (isa >= LB_ISA_AVX2 && group % 32 == 0)
        matmul_wg_avx2(bits, group, wb, rows, cols, x, ntok, y);
    else
#elif LB_ARM64
    if (isa >= LB_ISA_NEON)
        matmul_wg_neon(bits, group, wb, rows, cols, x, ntok, y);
    else
#endif
        matmul_wg_scalar(bits, group, wb, rows, cols, x, ntok, y);
    return LB_OK;
}

int32_t matmul_i8ch(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y, bool) {
#if LB_X86
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_AVX512) matmul_i8ch_avx512((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (isa >= LB_ISA_AVX2) matmul_i8ch_avx2((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON_DOTPROD) matmul_i8ch_dotprod((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (lb_isa_current() >= LB_ISA_NEON) matmul_i8ch_neon((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#endif
    matmul_sym_scalar(false, (const uint8_t *)w, rows, cols, x, ntok, y);
    return LB_OK;
}

int32_t matmul_i8cha(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                     float *y, bool) {
#if LB_X86
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_AVX512) matmul_i8cha_avx512((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (isa >= LB_ISA_AVX2) matmul_i8cha_avx2((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON_DOTPROD) matmul_i8cha_dotprod((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (lb_isa_current() >= LB_ISA_NEON) matmul_i8cha_neon((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#endif
    matmul_asym_scalar(false, (const uint8_t *)w, rows, cols, x, ntok, y);
    return LB_OK;
}

int32_t matmul_i4ch(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y, bool) {
#if LB_X86
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_AVX512) matmul_i4ch_avx512((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (isa >= LB_ISA_AVX2) matmul_i4ch_avx2((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON_DOTPROD) matmul_i4ch_dotprod((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (lb_isa_current() >= LB_ISA_NEON) matmul_i4ch_neon((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#endif
    matmul_sym_scalar(true, (const uint8_t *)w, rows, cols, x, ntok, y);
    return LB_OK;
}

int32_t matmul_i4cha(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                     float *y, bool) {
#if LB_X86
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_AVX512) matmul_i4cha_avx512((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (isa >= LB_ISA_AVX2) matmul_i4cha_avx2((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON_DOTPROD) matmul_i4cha_dotprod((const uint8_t *)w, rows, cols, x, ntok, y);
    else if (lb_isa_current() >= LB_ISA_NEON) matmul_i4cha_neon((const uint8_t *)w, rows, cols, x, ntok, y);
    else
#endif
    matmul_asym_scalar(true, (const uint8_t *)w, rows, cols, x, ntok, y);
    return LB_OK;
}
