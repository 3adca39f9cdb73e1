// Internal: the activation clamp shared by lb_clip_rows (a plan's -aclip) and lb_kron_transform (a learned
// clip): one row clamped to clip * [min(0, row min), max(0, row max)], so that a per-token quantizer after
// it sees exactly the clipped range.
#pragma once
#include <cmath>
#include <stdint.h>

static inline void clip_row(float *x, int64_t n, float clip) {
    float mn = 0.f, mx = 0.f;
    for (int64_t i = 0; i < n; i++) {
        mn = std::fmin(mn, x[i]);
        mx = std::fmax(mx, x[i]);
    }
    const float lo = clip * mn, hi = clip * mx;
    for (int64_t i = 0; i < n; i++) x[i] = std::fmin(std::fmax(x[i], lo), hi);
}
