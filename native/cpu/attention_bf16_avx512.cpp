// AVX512_BF16 attention over a KV4 cache with one group per row (group = head_dim: the default for
// head_dim 64 and 128). Same arithmetic as attention_span_scalar (attention.cpp), only the summation
// order differs. It works on the 4-bit codes without dequantising a row:
//  - scores: s_k * (bf16(q) . (c_k - 8) - (z_k - 8) * sum bf16(q)). The codes of 16 keys are
//    transposed (16 rows x 8 dwords -> 8 vectors, one key per lane; three vpermt2d stages), each
//    byte (two dimensions) becomes a pair of bf16 (c - 8) with one vpmultishiftqb and one vpermw,
//    and vdpbf16ps adds the two products to the key's lane against a broadcast pair of the query:
//    no horizontal sums. Codes are centred (c - 8) so that the z correction cancels little.
//  - values: pairs of keys; the two rows' code bytes side by side in 32-bit lanes become
//    (c_j - 8, c_j+1 - 8) bf16 pairs, and vdpbf16ps adds w_j (c_j - 8) + w_j+1 (c_j+1 - 8) per
//    dimension with w = bf16(p s) (lb_kv_value_weight); sum w (z - 8) is subtracted at the end.
// Multiply-adds per instruction double against the FP32 kernel (attention_avx512.cpp), and there
// is no per-row table or int->float conversion.
// vpmultishiftqb needs AVX512_VBMI: part of level LB_ISA_AVX512_BF16 (lb_bf16_kernels)
#pragma GCC target("avx512vbmi")
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kv_internal.h"
#include "study_internal.h"
#include "kv_simd512.h"
#include <cmath>
#include <cstring>

namespace {
constexpr int T = ATTN_TILE;
constexpr int kCodeOffset = 8;  // codes enter the products as c - 8

// word i = bf16(((i & 15) - 8)): vpermw reads 5 index bits, the fifth being another code's bit
struct CodeTable {
    uint16_t v[32];
    constexpr CodeTable() : v() {
        for (int i = 0; i < 32; i++) {
            const int n = (i & 15) - kCodeOffset, a = n < 0 ? -n : n;
            int e = 0;
            while ((2 << e) <= a) e++;
            // bf16 of a small integer: sign, exponent 127 + e, the bits below the leading one
            v[i] = a == 0 ? 0 : (uint16_t)((n < 0 ? 0x8000 : 0) | ((127 + e) << 7) | ((a - (1 << e)) << (7 - e)));
        }
    }
};
alignas(64) constexpr CodeTable kCodes{};

// Transpose of 16 rows x 8 dwords (Z[m] = rows 2m and 2m+1) into T[i] = dword i of every row:
//  stage 1: S[a][h] = rows 4a..4a+3 x dwords 4h..4h+3, lane = dword * 4 + row
//  stage 2: U[b][c] = rows 8b..8b+7 x dwords 2c, 2c+1, lane = (dword - 2c) * 8 + row
//  stage 3: T[i] = rows 0..15 x dword i, lane = row
struct TransposeIdx {
    int32_t s1[2][16], s2[2][16], s3[2][16];
    constexpr TransposeIdx() : s1(), s2(), s3() {
        for (int h = 0; h < 2; h++)
            for (int dl = 0; dl < 4; dl++)
                for (int kl = 0; kl < 4; kl++) s1[h][dl * 4 + kl] = (kl >= 2 ? 16 : 0) + (kl & 1) * 8 + 4 * h + dl;
        for (int c = 0; c < 2; c++)
            for (int ds = 0; ds < 2; ds++)
                for (int kk = 0; kk < 8; kk++) s2[c][ds * 8 + kk] = (kk >= 4 ? 16 : 0) + (2 * c + ds) * 4 + kk % 4;
        for (int ds = 0; ds < 2; ds++)
            for (int k = 0; k < 16; k++) s3[ds][k] = (k >= 8 ? 16 : 0) + ds * 8 + k % 8;
    }
};
alignas(64) constexpr TransposeIdx kTr{};

// vpmultishiftqb controls: byte j of each dword to the low byte of word 0, its high nibble to word 1
struct ShiftCtl {
    uint8_t v[4][64];
    constexpr ShiftCtl() : v() {
        for (int j = 0; j < 4; j++)
            for (int q = 0; q < 8; q++)
                for (int b = 0; b < 8; b++) v[j][8 * q + b] = (uint8_t)((b >= 4 ? 32 : 0) + 8 * j + ((b & 2) ? 4 : 0));
    }
};
alignas(64) constexpr ShiftCtl kShift{};

// acc += x . (the bf16 pair at p, broadcast): the broadcast folded into the instruction ({1to16}),
// which the compiler does not do from the intrinsics (a separate vpbroadcastd per product)
typedef uint32_t __attribute__((may_alias)) PairBits;  // the pair is read from uint16_t arrays
inline __m512 dp_pair(__m512 acc, __m512i x, const uint16_t *p) {
    asm("vdpbf16ps %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(x), "m"(*(const PairBits *)p));
    return acc;
}

// acc[h][k] += bf16(q_h) . (c - 8) over the 64 dimensions of code chunk c (bytes 32c..) of 16 keys
template <int GH>
inline void scores_chunk(const uint8_t *const *rows, int c, const uint16_t *qb, int hd, __m512 *acc) {
    __m512i z[8], s[8], u[8], t[8];
    for (int m = 0; m < 8; m++)
        z[m] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[2 * m] + 3 + 32 * c))),
                                  _mm256_loadu_si256((const __m256i *)(rows[2 * m + 1] + 3 + 32 * c)), 1);
    for (int a = 0; a < 4; a++)
        for (int h = 0; h < 2; h++) s[2 * a + h] = _mm512_permutex2var_epi32(z[2 * a], _mm512_load_si512(kTr.s1[h]), z[2 * a + 1]);
    for (int b = 0; b < 2; b++)
        for (int cc = 0; cc < 4; cc++)  // S[2b][cc/2] with S[2b+1][cc/2]
            u[4 * b + cc] = _mm512_permutex2var_epi32(s[4 * b + cc / 2], _mm512_load_si512(kTr.s2[cc % 2]), s[4 * b + 2 + cc / 2]);
    for (int i = 0; i < 8; i++) t[i] = _mm512_permutex2var_epi32(u[i / 2], _mm512_load_si512(kTr.s3[i % 2]), u[4 + i / 2]);
    const __m512i lut = _mm512_load_si512(kCodes.v);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            const __m512i x = _mm512_permutexvar_epi16(_mm512_multishift_epi64_epi8(_mm512_load_si512(kShift.v[j]), t[i]), lut);
            const int pair = 32 * c + 4 * i + j;  // byte of the row = dimensions 2 pair, 2 pair + 1
            for (int h = 0; h < GH; h++) acc[h] = dp_pair(acc[h], x, qb + h * hd + 2 * pair);
        }
}

// scores of 16 keys (rows) for GH heads: sc[h * T + j] = scale * s_k * (acc - (z_k - 8) * qsum_h)
template <int NC, int GH>
inline void scores16(const uint8_t *const *rows, const uint16_t *qb, const float *qsum, __m512 s, __m512 zc, float scale,
                     float *sc) {
    constexpr int hd = 64 * NC;
    __m512 acc[GH];
    for (int h = 0; h < GH; h++) acc[h] = _mm512_setzero_ps();
    for (int c = 0; c < NC; c++) scores_chunk<GH>(rows, c, qb, hd, acc);
    const __m512 f = _mm512_mul_ps(s, _mm512_set1_ps(scale));
    for (int h = 0; h < GH; h++)
        _mm512_storeu_ps(sc + h * T, _mm512_mul_ps(f, _mm512_fnmadd_ps(zc, _mm512_set1_ps(qsum[h]), acc[h])));
}

template <int NC>
void scores16_heads(const uint8_t *const *rows, const uint16_t *qb, const float *qsum, __m512 s, __m512 zc, float scale,
                    int gh, float *sc) {
    constexpr int hd = 64 * NC;
    for (int h0 = 0; h0 < gh; h0 += 8) {
        const uint16_t *q = qb + h0 * hd;
        float *o = sc + h0 * T;
        switch (gh - h0 < 8 ? gh - h0 : 8) {
            case 1: scores16<NC, 1>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 2: scores16<NC, 2>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 3: scores16<NC, 3>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 4: scores16<NC, 4>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 5: scores16<NC, 5>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 6: scores16<NC, 6>(rows, q, qsum + h0, s, zc, scale, o); break;
            case 7: scores16<NC, 7>(rows, q, qsum + h0, s, zc, scale, o); break;
            default: scores16<NC, 8>(rows, q, qsum + h0, s, zc, scale, o); break;
        }
    }
}

// vpermt2b indices: dword i of vector h = (byte 16h + i of row 0, -, byte 16h + i of row 1, -)
// (the odd bytes are don't-cares: vpermw reads 5 bits of each word)
struct PairIdx {
    uint8_t v[2][64];
    constexpr PairIdx() : v() {
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 16; i++) {
                v[h][4 * i] = v[h][4 * i + 1] = (uint8_t)(16 * h + i);
                v[h][4 * i + 2] = v[h][4 * i + 3] = (uint8_t)(64 + 16 * h + i);
            }
    }
};
alignas(64) constexpr PairIdx kPair{};

// (c - 8) bf16 pairs of rows r0, r1 for the 64 dimensions of code bytes 32c..32c+31: vector 2h+e
// lane i = dimension 64c + 32h + 2i + e (e = 0: low nibbles, 1: high)
inline void value_pairs(const uint8_t *r0, const uint8_t *r1, int c, __m512i lut, __m512i *out) {
    const __m512i a = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(r0 + 3 + 32 * c)));
    const __m512i b = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(r1 + 3 + 32 * c)));
    for (int h = 0; h < 2; h++) {
        const __m512i x = _mm512_permutex2var_epi8(a, _mm512_load_si512(kPair.v[h]), b);
        out[2 * h] = _mm512_permutexvar_epi16(x, lut);
        out[2 * h + 1] = _mm512_permutexvar_epi16(_mm512_srli_epi16(x, 4), lut);
    }
}

// KP key pairs (rows[0..2KP)) into acc[gh][hd] (layout: vector 2m+e, lane i = dimension 32m + 2i + e)
// with weights w[h * T + j] (bf16)
template <int NC, int KP>
inline void values(const uint8_t *const *rows, const uint16_t *w, int gh, float *acc) {
    constexpr int NV = 4 * NC;  // vectors per row
    const __m512i lut = _mm512_load_si512(kCodes.v);
    __m512i v[KP][NV];
    for (int p = 0; p < KP; p++)
        for (int c = 0; c < NC; c++) value_pairs(rows[2 * p], rows[2 * p + 1], c, lut, v[p] + 4 * c);
    for (int h = 0; h < gh; h++) {
        float *a = acc + h * NV * 16;
        for (int i = 0; i < NV; i++) {
            __m512 x = _mm512_loadu_ps(a + 16 * i);
            for (int p = 0; p < KP; p++) x = dp_pair(x, v[p][i], w + h * T + 2 * p);
            _mm512_storeu_ps(a + 16 * i, x);
        }
    }
}

// scales s and centred zeros z - 8 of 16 rows (first 4 bytes of each row: scale, zero, codes) with two
// gathers, the row pointers as indices
inline void headers16(const uint8_t *const *rows, __m512 &s, __m512 &z) {
    const __m256i d0 = _mm512_i64gather_epi32(_mm512_loadu_si512(rows), nullptr, 1);
    const __m256i d1 = _mm512_i64gather_epi32(_mm512_loadu_si512(rows + 8), nullptr, 1);
    const __m512i d = _mm512_inserti64x4(_mm512_castsi256_si512(d0), d1, 1);
    s = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d));
    z = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(d, 16), _mm512_set1_epi32(0xff)),
                                            _mm512_set1_epi32(kCodeOffset)));
}

// stands in for the rows past the end of a tile (scale 0, zero 0, codes 0)
alignas(64) const uint8_t kZeroRow[128] = {};

template <int NC>
void span(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride, int gh, float scale,
          int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc_out) {
    constexpr int hd = 64 * NC, KP = NC == 1 ? 4 : 2;
    // scratch (floats): scores [gh][T], accumulators [gh][hd], value scales [T], value zeros [T],
    // bf16 weights [gh][T], bf16 query [gh][hd], query sums and value corrections [gh] each
    float *sc = study_scratch_f32((size_t)(gh * T + gh * hd + 2 * T + gh * T / 2 + gh * hd / 2 + 2 * gh + 32));
    float *acc = sc + gh * T, *vs = acc + gh * hd, *vz = vs + T;
    uint16_t *wb = (uint16_t *)(vz + T), *qb = wb + gh * T;
    float *qsum = (float *)(qb + gh * hd), *zcor = qsum + gh;
    for (int g = 0; g < gh; g++) {
        float sum = 0.f;
        for (int i = 0; i < hd; i += 16) {
            const __m256bh b = _mm512_cvtneps_pbh(_mm512_loadu_ps(q + g * q_stride + i));
            _mm256_storeu_si256((__m256i *)(qb + g * hd + i), (__m256i)b);
            sum += _mm512_reduce_add_ps(_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)b), 16)));
        }
        qsum[g] = sum;
        m[g] = -INFINITY;
        lsum[g] = 0.f;
        zcor[g] = 0.f;
        for (int i = 0; i < hd; i++) acc[g * hd + i] = 0.f;
    }
    for (int64_t t0 = j0; t0 < j1; t0 += T) {
        const int n = (int)(j1 - t0 < T ? j1 - t0 : T), np = (n + 15) / 16 * 16;
        const uint8_t *kr[T], *vr[T];
        kv_rows(l, kc, kvh, t0, n, kr);
        kv_rows(l, vc, kvh, t0, n, vr);
        for (int j = n; j < np; j++) kr[j] = vr[j] = kZeroRow;
        for (int jb = 0; jb < np; jb += 16) {
            kvsimd::prefetch_keys<true>(kr, jb, n, l.row_bytes);
            __m512 ks, kz;
            headers16(kr + jb, ks, kz);
            scores16_heads<NC>(kr + jb, qb, qsum, ks, kz, scale, gh, sc + jb);
        }
        // value rows' scales and centred zeros (padding rows: scale 0)
        for (int jb = 0; jb < np; jb += 16) {
            __m512 s, z;
            headers16(vr + jb, s, z);
            _mm512_storeu_ps(vs + jb, s);
            _mm512_storeu_ps(vz + jb, z);
        }
        for (int g = 0; g < gh; g++) {
            const float corr = kvsimd::softmax_tile(sc + g * T, n, m[g], lsum[g]);
            // weights bf16(p s) and their share of the zero correction, from the same rounded values
            __m512 zsum = _mm512_setzero_ps();
            for (int j = 0; j < np; j += 16) {
                const __m256bh b = _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_loadu_ps(sc + g * T + j), _mm512_loadu_ps(vs + j)));
                _mm256_storeu_si256((__m256i *)(wb + g * T + j), (__m256i)b);
                const __m512 wf = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)b), 16));
                zsum = _mm512_fmadd_ps(wf, _mm512_loadu_ps(vz + j), zsum);
            }
            zcor[g] = zcor[g] * corr + _mm512_reduce_add_ps(zsum);
            if (corr != 1.f) {
                const __m512 cv = _mm512_set1_ps(corr);
                for (int i = 0; i < hd; i += 16) _mm512_storeu_ps(acc + g * hd + i, _mm512_mul_ps(_mm512_loadu_ps(acc + g * hd + i), cv));
            }
        }
        int j = 0;
        for (; j + 2 * KP <= np; j += 2 * KP) values<NC, KP>(vr + j, wb + j, gh, acc);
        for (; j < np; j += 2) values<NC, 1>(vr + j, wb + j, gh, acc);
    }
    for (int g = 0; g < gh; g++)
        for (int v = 0; v < hd / 16; v++)
            for (int i = 0; i < 16; i++)
                acc_out[g * hd + 32 * (v / 2) + 2 * i + v % 2] = acc[g * hd + 16 * v + i] - zcor[g];
}
}  // namespace

bool attention_supported_bf16(const KvLayout &l) {
    return l.fmt == LB_KV4 && l.group == l.head_dim && (l.head_dim == 64 || l.head_dim == 128);
}

void attention_span_bf16(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride, int gh,
                         float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc) {
    if (l.head_dim == 64)
        span<1>(l, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
    else
        span<2>(l, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
}
