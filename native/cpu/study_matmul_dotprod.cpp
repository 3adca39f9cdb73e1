// The study formats' integer matmuls with SDOT (study_matmul_neon.h, built with +dotprod).
#include "study_matmul_neon.h"

void matmul_i8ch_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<true>(false, w, rows, cols, x, ntok, y);
}
void matmul_i4ch_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<true>(true, w, rows, cols, x, ntok, y);
}
void matmul_i8cha_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_asym<true>(w, rows, cols, x, ntok, y);
}
void matmul_i4cha_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    matmul_sym<true>(true, w, rows, cols, x, ntok, y, true);
}
