// PLACEHOLDER until the study-format kernels and ops land (delete this file then).
#include "lowbit/lowbit.h"
#include "kernels.h"
int32_t quantize_study(int32_t, int32_t, const float *, void *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t dequantize_study(int32_t, int32_t, const void *, float *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t matmul_study(int32_t, int32_t, const void *, int64_t, int64_t, const float *, int64_t, float *) { return LB_ERR_FORMAT; }
extern "C" {
int32_t lb_rmsnorm(const float *, const float *, float *, int64_t, int64_t, float) { return LB_ERR_FORMAT; }
int32_t lb_rope(float *, int64_t, int32_t, int32_t, int32_t, const int32_t *, float, int32_t) { return LB_ERR_FORMAT; }
int32_t lb_silu_mul(float *, const float *, int64_t) { return LB_ERR_FORMAT; }
int32_t lb_add(float *, const float *, int64_t) { return LB_ERR_FORMAT; }
int32_t lb_add_bias(float *, const float *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t lb_hadamard(float *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t lb_kv_store(int32_t, int32_t, void *, const int32_t *, int32_t, int32_t, int32_t, const float *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t lb_attention(int32_t, int32_t, const void *, const void *, const int32_t *, int32_t, const float *, int64_t, int64_t,
                     int32_t, int32_t, int32_t, float, float *) { return LB_ERR_FORMAT; }
}
