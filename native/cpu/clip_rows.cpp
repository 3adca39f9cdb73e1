// lb_clip_rows: the activation clip ratio of a plan ("w4a4-asym-aclip0.9", QuaRot's --a_clip_ratio).
// Each row is clamped to clip * [min(0, row min), max(0, row max)] right before a per-token quantized
// matmul, so that its quantizer sees exactly the clipped range (the same clamp lb_kron_transform
// applies after a learned transform). Scalar: two passes over a row the matmul then reads rows times.
#include "clip_row.h"
#include "dispatch.h"
#include "lowbit/lowbit.h"

extern "C" int32_t lb_clip_rows(float *x, int64_t rows, int64_t n, float clip) {
    if (!x || rows <= 0 || n <= 0 || !(clip > 0.f && clip <= 1.f)) return LB_ERR_ARG;
    if (clip == 1.f) return LB_OK;  // no clamp: the row's own range
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * n)) schedule(static)
    for (int64_t r = 0; r < rows; r++) clip_row(x + r * n, n, clip);
    return LB_OK;
}
