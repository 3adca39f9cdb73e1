// Scalar decoding of every ggml-native weight format, one block at a time,
// exactly as the GGUF/ggml definitions say (see ggml_common.h for the block layouts).
#include "lowbit/lowbit.h"
#include "kernels.h"
#include "ggml_common.h"

using namespace lbg;

namespace {

void deq_q8_0(const uint8_t *b, float *y) {
    const float d = rdh(b);
    for (int j = 0; j < 32; j++) y[j] = d * (float)(int8_t)b[2 + j];
}

void deq_q4_0(const uint8_t *b, float *y) {
    const float d = rdh(b);
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)((b[2 + j] & 15) - 8);
        y[j + 16] = d * (float)((b[2 + j] >> 4) - 8);
    }
}

void deq_q4_1(const uint8_t *b, float *y) {
    const float d = rdh(b), m = rdh(b + 2);
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)(b[4 + j] & 15) + m;
        y[j + 16] = d * (float)(b[4 + j] >> 4) + m;
    }
}

void deq_q5_0(const uint8_t *b, float *y) {
    const float d = rdh(b);
    const uint32_t qh = rd32(b + 2);
    for (int j = 0; j < 16; j++) {
        const int lo = (b[6 + j] & 15) | (((qh >> j) & 1) << 4);
        const int hi = (b[6 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
        y[j] = d * (float)(lo - 16);
        y[j + 16] = d * (float)(hi - 16);
    }
}

void deq_q5_1(const uint8_t *b, float *y) {
    const float d = rdh(b), m = rdh(b + 2);
    const uint32_t qh = rd32(b + 4);
    for (int j = 0; j < 16; j++) {
        const int lo = (b[8 + j] & 15) | (((qh >> j) & 1) << 4);
        const int hi = (b[8 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
        y[j] = d * (float)lo + m;
        y[j + 16] = d * (float)hi + m;
    }
}

// Q2_K: element 128n+32j+l uses 2-bit code (qs[32n+l] >> 2j) & 3 and the 4-bit scale/min pair
// scales[8n+2j+(l>=16)] (low nibble scale, high nibble min).
void deq_q2_k(const uint8_t *b, float *y) {
    const uint8_t *sc = b, *qs = b + 16;
    const float d = rdh(b + 80), dmin = rdh(b + 82);
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) {
                const uint8_t s = sc[8 * n + 2 * j + l / 16];
                const int q = (qs[32 * n + l] >> (2 * j)) & 3;
                y[128 * n + 32 * j + l] = d * (float)(s & 15) * (float)q - dmin * (float)(s >> 4);
            }
}

// Q3_K: 2 low bits as in Q2_K, bit 2 from hmask[l] bit (4n+j) (clear means subtract 4),
// signed 6-bit scale per 16 elements.
void deq_q3_k(const uint8_t *b, float *y) {
    const uint8_t *hm = b, *qs = b + 32;
    int8_t sc[16];
    unpack_q3k_scales(b + 96, sc);
    const float d = rdh(b + 108);
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) {
                const int e = 128 * n + 32 * j + l;
                const int q = ((qs[32 * n + l] >> (2 * j)) & 3) - ((hm[l] >> (4 * n + j)) & 1 ? 0 : 4);
                y[e] = d * (float)sc[e / 16] * (float)q;
            }
}

// Q4_K: 8 sub-blocks of 32; sub-block 2i from the low nibbles of qs[32i..32i+31], 2i+1 from the high.
void deq_q4_k(const uint8_t *b, float *y) {
    const float d = rdh(b), dmin = rdh(b + 2);
    uint8_t sc[8], mn[8];
    unpack_k4_scales(b + 4, sc, mn);
    const uint8_t *qs = b + 16;
    for (int sb = 0; sb < 8; sb++) {
        const float ds = d * (float)sc[sb], ms = dmin * (float)mn[sb];
        const int shift = 4 * (sb & 1);
        for (int l = 0; l < 32; l++) y[32 * sb + l] = ds * (float)((qs[32 * (sb / 2) + l] >> shift) & 15) - ms;
    }
}

// Q5_K: as Q4_K plus bit 4 of sub-block sb's element l from qh[l] bit sb.
void deq_q5_k(const uint8_t *b, float *y) {
    const float d = rdh(b), dmin = rdh(b + 2);
    uint8_t sc[8], mn[8];
    unpack_k4_scales(b + 4, sc, mn);
    const uint8_t *qh = b + 16, *qs = b + 48;
    for (int sb = 0; sb < 8; sb++) {
        const float ds = d * (float)sc[sb], ms = dmin * (float)mn[sb];
        const int shift = 4 * (sb & 1);
        for (int l = 0; l < 32; l++) {
            const int q = ((qs[32 * (sb / 2) + l] >> shift) & 15) | (((qh[l] >> sb) & 1) << 4);
            y[32 * sb + l] = ds * (float)q - ms;
        }
    }
}

// Q6_K: halves of 128; within half n, quarter k (32 elements) takes its low 4 bits from
// ql[64n + 32(k&1) + l] (low nibble for k<2, high for k>=2) and 2 high bits from qh[32n+l] bits 2k..2k+1.
void deq_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = rdh(b + 208);
    for (int n = 0; n < 2; n++)
        for (int k = 0; k < 4; k++)
            for (int l = 0; l < 32; l++) {
                const int e = 128 * n + 32 * k + l;
                const int lo = (ql[64 * n + 32 * (k & 1) + l] >> (4 * (k >> 1))) & 15;
                const int hi = (qh[32 * n + l] >> (2 * k)) & 3;
                y[e] = d * (float)sc[e / 16] * (float)((lo | (hi << 4)) - 32);
            }
}

}  // namespace

// the format table's entries (format_table.h): whole matrices, and one block of each block format
int32_t dequantize_f32(const FormatRow &, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    memcpy(dst, src, (size_t)(rows * cols) * 4);
    return LB_OK;
}
int32_t dequantize_f16(const FormatRow &, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const uint16_t *s = (const uint16_t *)src;
    for (int64_t i = 0; i < rows * cols; i++) dst[i] = f16_to_f32(s[i]);
    return LB_OK;
}
int32_t dequantize_bf16(const FormatRow &, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const uint16_t *s = (const uint16_t *)src;
    for (int64_t i = 0; i < rows * cols; i++) dst[i] = bf16_to_f32(s[i]);
    return LB_OK;
}
int32_t dequantize_blocks(const FormatRow &f, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const int64_t rb = format_row_bytes(f, 0, cols), nb = cols / f.info.block;
    const uint8_t *s = (const uint8_t *)src;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < nb; i++)
            f.dequantize_block(s + r * rb + i * f.info.block_bytes, dst + r * cols + i * f.info.block);
    return LB_OK;
}
void dequantize_q8_0(const uint8_t *b, float *y) { deq_q8_0(b, y); }
void dequantize_q4_0(const uint8_t *b, float *y) { deq_q4_0(b, y); }
void dequantize_q4_1(const uint8_t *b, float *y) { deq_q4_1(b, y); }
void dequantize_q5_0(const uint8_t *b, float *y) { deq_q5_0(b, y); }
void dequantize_q5_1(const uint8_t *b, float *y) { deq_q5_1(b, y); }
void dequantize_q2_k(const uint8_t *b, float *y) { deq_q2_k(b, y); }
void dequantize_q3_k(const uint8_t *b, float *y) { deq_q3_k(b, y); }
void dequantize_q4_k(const uint8_t *b, float *y) { deq_q4_k(b, y); }
void dequantize_q5_k(const uint8_t *b, float *y) { deq_q5_k(b, y); }
void dequantize_q6_k(const uint8_t *b, float *y) { deq_q6_k(b, y); }
