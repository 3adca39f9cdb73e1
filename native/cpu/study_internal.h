// Internal interface between the study kernels' dispatchers (scalar, study_matmul.cpp,
// attention.cpp) and their SIMD variants (*_avx512.cpp).
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <vector>

// per-token symmetric activation quantisation used by LB_I8CH (qmax 127) and LB_I4CH (qmax 7):
// q[c] = clamp(rint(x[c] * qmax/amax), -qmax, qmax); returns the scale amax/qmax (1 if x == 0)
float study_quant_act(const float *x, int64_t cols, int qmax, int8_t *q, int32_t *qsum);
// bit-identical AVX-512 version (same products, same round-to-nearest-even)
float study_quant_act_avx512(const float *x, int64_t cols, int qmax, int8_t *q, int32_t *qsum);

// per-token asymmetric quantisation used by LB_I8CHA (qmax 255) and LB_I4CHA (qmax 15) (study_pack.h
// lb_asym_act_*): returns the scale, *zero the zero point; q[c] in 0..qmax
float study_quant_act_asym(const float *x, int64_t cols, int qmax, uint8_t *q, int32_t *zero);
float study_quant_act_asym_avx512(const float *x, int64_t cols, int qmax, uint8_t *q, int32_t *zero);

// out[i] = lb_bf16_round(x[i]) (study_pack.h): the activations of the A16 weight-only matmuls
void study_round_bf16(const float *x, int64_t n, float *out);

// thread-local scratch that only grows (one per calling thread, reused across calls), 64-byte aligned
float *study_scratch_f32(size_t n);
// the asymmetric activations (I8CHA: qmax 255, I4CHA: 15) of ntok tokens quantized per token into the
// scratch buffers: uint8 codes [ntok][cols], scales and zero points per token
struct StudyAsymActs {
    const uint8_t *q;
    const float *scale;
    const int32_t *zero;
};
StudyAsymActs study_quant_acts_asym(const float *x, int64_t ntok, int64_t cols, int qmax);
int8_t *study_scratch_i8(size_t n);
// per-thread buffer of unpacked weight rows inside a matmul's parallel region (the calling thread's
// study_scratch_f32 holds the activations meanwhile); 64-byte aligned, at least `bytes`
void *study_scratch_rows(size_t bytes);

// AVX-512 matmuls. Preconditions checked by the dispatcher: for W*G, group % 32 == 0. invariant
// (lb_matmul_invariant): each token's row summed as a one-token call sums it.
void matmul_wg_avx512(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols,
                      const float *x, int64_t ntok, float *y, bool invariant);
void matmul_i8ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i8cha_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4cha_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
// AVX512_BF16 variant (group % 128 == 0): LUT of bf16 weights + vdpbf16ps
void matmul_wg_bf16_avx512(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols,
                           const float *x, int64_t ntok, float *y, bool invariant);
// AVX2 variants (study_int_avx2.cpp): bit-identical integer sums without VNNI
void matmul_i8ch_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i8cha_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4ch_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4cha_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
// AVX2 variant of the weight-only matmul (group % 32 == 0)
void matmul_wg_avx2(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols,
                    const float *x, int64_t ntok, float *y);
// ARM64 (study_matmul_neon.h): NEON, and the integer ones with SDOT (*_dotprod); any group
void matmul_wg_neon(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols,
                    const float *x, int64_t ntok, float *y);
void matmul_i8ch_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i8cha_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4ch_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4cha_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i8ch_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i8cha_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4ch_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
void matmul_i4cha_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
