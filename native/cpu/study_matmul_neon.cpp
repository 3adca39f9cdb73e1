// The study formats' NEON matmuls (study_matmul_neon.h): the integer ones with SMULL/SADALP, and the
// weight-only W*G one (no integer dot: FP32 FMA of table-unpacked bf16 weights).
#include "study_matmul_neon.h"

void matmul_i8ch_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<false>(false, w, rows, cols, x, ntok, y);
}
void matmul_i4ch_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<false>(true, w, rows, cols, x, ntok, y);
}
void matmul_i8cha_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_asym<false>(w, rows, cols, x, ntok, y);
}

namespace {
// one group's weights bf16(s*(code-z)) into out[group], through a table of the 2^bits values
void unpack_group(const uint8_t *blk, int bits, int group, float *out) {
    const float s = lb_block_scale(blk);
    const int z = lb_block_zero(blk);
    float tab[16];
    for (int i = 0; i < (1 << bits); i++) tab[i] = lb_bf16_round(s * (float)(i - z));  // as lb_dequant_group, rounded
    const uint8_t *codes = blk + 3;
    int j = 0;
    if (bits == 4) {
        // the table's upper halves (bf16 bits) as 32 bytes; code i -> bytes 2i, 2i+1
        uint8_t hb[32];
        for (int i = 0; i < 16; i++) {
            uint32_t u;
            std::memcpy(&u, &tab[i], 4);
            hb[2 * i] = (uint8_t)(u >> 16), hb[2 * i + 1] = (uint8_t)(u >> 24);
        }
        const uint8x16x2_t t = {{vld1q_u8(hb), vld1q_u8(hb + 16)}};
        for (; j + 16 <= group; j += 16) {
            const uint8x8_t b = vld1_u8(codes + j / 2);  // 16 codes, LSB first: low nibble is the even one
            const uint8x8_t lo = vand_u8(b, vdup_n_u8(15)), hi = vshr_n_u8(b, 4);
            const uint8x16_t c = vcombine_u8(vzip1_u8(lo, hi), vzip2_u8(lo, hi));  // codes in element order
            const uint8x16_t c2 = vshlq_n_u8(c, 1), c2p = vaddq_u8(c2, vdupq_n_u8(1));
            const uint16x8_t v0 = vreinterpretq_u16_u8(vqtbl2q_u8(t, vzip1q_u8(c2, c2p)));  // elements 0..7
            const uint16x8_t v1 = vreinterpretq_u16_u8(vqtbl2q_u8(t, vzip2q_u8(c2, c2p)));  // 8..15
            vst1q_f32(out + j, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v0), 16)));
            vst1q_f32(out + j + 4, vreinterpretq_f32_u32(vshll_high_n_u16(v0, 16)));
            vst1q_f32(out + j + 8, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v1), 16)));
            vst1q_f32(out + j + 12, vreinterpretq_f32_u32(vshll_high_n_u16(v1, 16)));
        }
    }
    for (; j < group; j++) out[j] = tab[lb_get_code(codes, bits, j)];
}

float dot_f32(const float *a, const float *b, int64_t n) {
    float32x4_t acc[4] = {vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f)};
    int64_t c = 0;
    for (; c + 16 <= n; c += 16)
        for (int u = 0; u < 4; u++) acc[u] = vfmaq_f32(acc[u], vld1q_f32(a + c + 4 * u), vld1q_f32(b + c + 4 * u));
    for (; c + 4 <= n; c += 4) acc[0] = vfmaq_f32(acc[0], vld1q_f32(a + c), vld1q_f32(b + c));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
    for (; c < n; c++) s += a[c] * b[c];
    return s;
}
}  // namespace

void matmul_wg_neon(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y) {
    const int64_t bb = lb_group_block_bytes(bits, group), rb = cols / group * bb;
    float *xb = study_scratch_f32((size_t)(ntok * cols));
    study_round_bf16(x, ntok * cols, xb);
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        float *deq = (float *)study_scratch_rows((size_t)cols * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *row = w + r * rb;
            for (int64_t g = 0; g < cols / group; g++) unpack_group(row + g * bb, bits, group, deq + g * group);
            for (int64_t t = 0; t < ntok; t++) y[t * rows + r] = dot_f32(deq, xb + t * cols, cols);
        }
    }
}
void matmul_i4cha_neon(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<false>(true, w, rows, cols, x, ntok, y, true);
}
