// AVX-512 lb_kvs_attention work item (reference: item_scalar in kv_static.cpp).
#include "kv_static_internal.h"

bool kvs_supported_avx512(const KvsArgs &) { return false; }
void kvs_item_avx512(const KvsArgs &, const float *, int64_t, int, float *, int) {}
