// AVX2 integer matmuls of the study formats (I8CH, I8CHA, I4CH, I4CHA; scalar references in study_matmul.cpp)
// for CPUs without AVX-512. No VNNI here, so each mode picks a product that cannot saturate and the
// int32 sums stay bit-identical to the scalar reference for any weight byte:
//  I8CH:  vpmaddubsw(|w|, sign(x, w)): |w| <= 128, |x| <= 127, so a pair sums to at most 32512.
//  I4CH:  vpmaddubsw(w + 8, x) on the nibbles (0..15 x -7..7), minus 8 * sum(x) per token; the
//         activations are permuted per 64 columns to [even 32][odd 32] to match the nibbles.
//  I8CHA: the u8 activations do not fit vpmaddubsw's signed side, so they are widened once per call
//         to int16 (q - z_x) and the weights per step to int16: vpmaddwd, sum w * (q - z_x) exactly
//         (= sum w*q - z_x * sum w, the reference's integer).
//  I4CHA: I4CH's kernel on the activations q - z_x (-15..15, signed), whose sum takes the +8 correction:
//         sum w * (q - z_x) is again the reference's integer.
// One row at a time for up to 4 tokens (each weight vector is loaded once for all of them), rows
// streamed sequentially with a prefetch a few rows ahead; tails past the last whole 32 bytes scalar.
#include "lowbit/runtime.h"
#include "dispatch.h"
#include "study_internal.h"
#include "study_pack.h"
#include <immintrin.h>
#include <cstring>

namespace {
enum Mode { kI8, kI4, kI8A, kI4A };
constexpr bool int4_mode(int m) { return m == kI4 || m == kI4A; }
constexpr int kMaxT = 4;
constexpr int kPrefetchRows = 4;

// the quantised activations of one call, rows of `stride` elements (I8A: int16, else int8), zero padded
struct Act {
    const void *q;
    int64_t stride;
    const float *scale;
    const int32_t *sum;  // I4, I4A: the code sum (for the +8 correction); I8A: the zero point
};

template <int MODE>
Act prepare(const float *x, int64_t ntok, int64_t cols) {
    const int64_t stride = (cols + 63) / 64 * 64;
    const size_t elem = MODE == kI8A ? 2 : 1;
    int8_t *all = study_scratch_i8((size_t)ntok * stride * elem + (size_t)cols);
    int8_t *tmp = all + ntok * stride * elem;
    float *fs = study_scratch_f32((size_t)(2 * ntok));
    int32_t *sums = (int32_t *)(fs + ntok);
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * cols;
        if (MODE == kI8A) {
            int16_t *q = (int16_t *)all + t * stride;
            fs[t] = study_quant_act_asym(xt, cols, 255, (uint8_t *)tmp, &sums[t]);
            for (int64_t c = 0; c < cols; c++) q[c] = (int16_t)((int)(uint8_t)tmp[c] - sums[t]);
            for (int64_t c = cols; c < stride; c++) q[c] = 0;
        } else if (int4_mode(MODE)) {
            int8_t *q = all + t * stride;
            if (MODE == kI4A) {  // q - z_x and its sum
                int32_t z, sum = 0;
                fs[t] = study_quant_act_asym(xt, cols, 15, (uint8_t *)tmp, &z);
                for (int64_t c = 0; c < cols; c++) sum += tmp[c] = (int8_t)((int)(uint8_t)tmp[c] - z);
                sums[t] = sum;
            } else {
                fs[t] = study_quant_act(xt, cols, 7, tmp, &sums[t]);
            }
            std::memset(q, 0, (size_t)stride);
            const int64_t whole = cols / 64 * 64;  // the tail keeps column order (read by the scalar tail)
            for (int64_t c = 0; c < whole; c++) q[c / 64 * 64 + (c & 1) * 32 + (c % 64) / 2] = tmp[c];
            std::memcpy(q + whole, tmp + whole, (size_t)(cols - whole));
        } else {
            int8_t *q = all + t * stride;
            fs[t] = study_quant_act(xt, cols, 127, q, &sums[t]);
            std::memset(q + cols, 0, (size_t)(stride - cols));
        }
    }
    return {all, stride, fs, sums};
}

inline int32_t hsum(__m256i v) {
    __m128i a = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, _MM_SHUFFLE(1, 0, 3, 2)));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(a);
}

// y[t][r] of one row for T tokens starting at t0
template <int MODE, int T>
void row(const uint8_t *rowp, int64_t rb, int64_t cols, const Act &a, int64_t t0, float *y, int64_t rows) {
    const int64_t wbytes = int4_mode(MODE) ? cols / 2 : cols;
    const int8_t *w = (const int8_t *)(rowp + 4);
    const __m256i ones16 = _mm256_set1_epi16(1), low = _mm256_set1_epi8(0x0f), flip = _mm256_set1_epi8((char)0x88);
    __m256i acc[T][2];
    for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
    int64_t c = 0;
    for (; c + 32 <= wbytes; c += 32) {
        _mm_prefetch((const char *)(w + c + kPrefetchRows * rb), _MM_HINT_T0);
        const __m256i raw = _mm256_loadu_si256((const __m256i *)(w + c));
        if (MODE == kI8) {
            const __m256i aw = _mm256_sign_epi8(raw, raw);  // |w| (-128 -> 0x80 = 128 unsigned)
            for (int t = 0; t < T; t++) {
                const __m256i x = _mm256_loadu_si256((const __m256i *)((const int8_t *)a.q + (t0 + t) * a.stride + c));
                const __m256i p = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(x, raw));
                acc[t][0] = _mm256_add_epi32(acc[t][0], _mm256_madd_epi16(p, ones16));
            }
        } else if (int4_mode(MODE)) {
            const __m256i v = _mm256_xor_si256(raw, flip);  // each nibble w -> w + 8
            const __m256i lo = _mm256_and_si256(v, low), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
            for (int t = 0; t < T; t++) {
                const int8_t *q = (const int8_t *)a.q + (t0 + t) * a.stride + 2 * c;
                const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)q)),
                                                   _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(q + 32))));
                acc[t][0] = _mm256_add_epi32(acc[t][0], _mm256_madd_epi16(p, ones16));  // |p| <= 4*15*15
            }
        } else {
            const __m256i w0 = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(raw)), w1 = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(raw, 1));
            for (int t = 0; t < T; t++) {
                const int16_t *q = (const int16_t *)a.q + (t0 + t) * a.stride + c;
                acc[t][0] = _mm256_add_epi32(acc[t][0], _mm256_madd_epi16(w0, _mm256_loadu_si256((const __m256i *)q)));
                acc[t][1] = _mm256_add_epi32(acc[t][1], _mm256_madd_epi16(w1, _mm256_loadu_si256((const __m256i *)(q + 16))));
            }
        }
    }
    float sw;
    std::memcpy(&sw, rowp, 4);
    for (int t = 0; t < T; t++) {
        int32_t dot = hsum(_mm256_add_epi32(acc[t][0], acc[t][1]));
        const int64_t tt = t0 + t;
        if (int4_mode(MODE)) dot -= 8 * a.sum[tt];  // the whole steps' +8 (the zero padding adds nothing)
        for (int64_t j = c; j < wbytes; j++) {   // tail in column order
            if (MODE == kI8) {
                dot += w[j] * ((const int8_t *)a.q)[tt * a.stride + j];
            } else if (int4_mode(MODE)) {
                const int8_t *q = (const int8_t *)a.q + tt * a.stride;
                dot += lb_get_i4((const uint8_t *)w, (int)(2 * j)) * q[2 * j] + lb_get_i4((const uint8_t *)w, (int)(2 * j + 1)) * q[2 * j + 1];
                dot += 8 * (q[2 * j] + q[2 * j + 1]);  // already subtracted with the sum above
            } else {
                dot += w[j] * ((const int16_t *)a.q)[tt * a.stride + j];
            }
        }
        y[t * rows] = (sw * a.scale[tt]) * (float)dot;
    }
}

template <int MODE>
void row_t(int T, const uint8_t *rowp, int64_t rb, int64_t cols, const Act &a, int64_t t0, float *y, int64_t rows) {
    switch (T) {
        case 1: row<MODE, 1>(rowp, rb, cols, a, t0, y, rows); break;
        case 2: row<MODE, 2>(rowp, rb, cols, a, t0, y, rows); break;
        case 3: row<MODE, 3>(rowp, rb, cols, a, t0, y, rows); break;
        default: row<MODE, 4>(rowp, rb, cols, a, t0, y, rows); break;
    }
}

template <int MODE>
void run(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const Act a = prepare<MODE>(x, ntok, cols);
    const int64_t rb = 4 + (int4_mode(MODE) ? cols / 2 : cols);
    const int64_t nblocks = (rows + 15) / 16;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * 16, r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += kMaxT) {
            const int T = (int)(ntok - t0 < kMaxT ? ntok - t0 : kMaxT);
            for (int64_t r = r0; r < r1; r++) row_t<MODE>(T, w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows);
        }
    }
}
}  // namespace

void matmul_i8ch_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    run<kI8>(w, rows, cols, x, ntok, y);
}

void matmul_i8cha_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    run<kI8A>(w, rows, cols, x, ntok, y);
}

void matmul_i4ch_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    run<kI4>(w, rows, cols, x, ntok, y);
}

void matmul_i4cha_avx2(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    run<kI4A>(w, rows, cols, x, ntok, y);
}
