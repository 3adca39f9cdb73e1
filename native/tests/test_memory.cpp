// lb_alloc/lb_free: small blocks are 64-byte aligned heap memory; blocks of LB_HUGE_MIN_BYTES or
// more are 2 MiB aligned, zero-filled, writable to their last byte, and can be freed and reused.
// The kernels keep no memory per call: after a first round (which sizes their grow-only scratch)
// repeated calls leave the C heap in use where it was. Checked here, in a C process, because in
// the JVM the C heap also moves with the JIT's own arenas (LifecycleTest checks the Java side).
#include <cstdint>
#include <cstring>
#include <vector>
#include "test_util.h"

namespace {
// one round of the kernels a decode / prefill step calls, on each format family
void kernel_round(const std::vector<std::vector<uint8_t>> &w, const int32_t *fmts, int nf, const float *x, float *y) {
    const int64_t rows = 96, cols = 256;
    for (int f = 0; f < nf; f++)
        for (int64_t ntok : {1, 5, 16}) lb_matmul(fmts[f], fmts[f] == LB_W4G ? 128 : 0, w[f].data(), rows, cols, x, ntok, y);
    std::vector<float> norm(cols, 1.f);
    lb_rmsnorm(x, norm.data(), y, 16, cols, 1e-6f);
    lb_silu_mul(y, x, 16 * cols);
}
}  // namespace

int main() {
    const int64_t small[] = {1, 100, 4096, (int64_t)LB_HUGE_MIN_BYTES - 1};
    for (int64_t n : small) {
        uint8_t *p = (uint8_t *)lb_alloc(n);
        CHECK(p != nullptr, "small block of %lld", (long long)n);
        if (!p) continue;
        CHECK(((uintptr_t)p & 63) == 0, "small block of %lld is not 64-byte aligned", (long long)n);
        std::memset(p, 0xab, (size_t)n);
        CHECK(p[n - 1] == 0xab, "small block of %lld not writable to its end", (long long)n);
        lb_free(p, n);
    }
    const int64_t sizes[] = {(int64_t)LB_HUGE_MIN_BYTES, (int64_t)LB_HUGE_MIN_BYTES + 1, (int64_t(3) << 20) * 7 + 123};
    for (int round = 0; round < 3; round++)  // freed regions must be reusable (no leak of the trimmed slack)
        for (int64_t n : sizes) {
            uint8_t *p = (uint8_t *)lb_alloc(n);
            CHECK(p != nullptr, "large block of %lld", (long long)n);
            if (!p) continue;
            CHECK(((uintptr_t)p & ((2u << 20) - 1)) == 0, "large block of %lld is not 2 MiB aligned", (long long)n);
            bool zero = true;
            for (int64_t i = 0; i < n; i += 4093) zero &= p[i] == 0;
            CHECK(zero && p[n - 1] == 0, "large block of %lld is not zero-filled", (long long)n);
            std::memset(p, 0x5a, (size_t)n);
            CHECK(p[0] == 0x5a && p[n - 1] == 0x5a, "large block of %lld not writable to its end", (long long)n);
            lb_free(p, n);
        }
    // the C heap counter sees a small block come and go (1 MiB: far above malloc's own churn)
    const int64_t before = lb_heap_in_use();
    CHECK(before > 0, "lb_heap_in_use unavailable (%lld)", (long long)before);
    void *block = lb_alloc(1 << 20);
    const int64_t during = lb_heap_in_use();
    CHECK(during - before >= (1 << 20), "1 MiB block moved the heap counter by %lld", (long long)(during - before));
    lb_free(block, 1 << 20);
    CHECK(lb_heap_in_use() - before < 4096, "freed block still counted: %lld", (long long)(lb_heap_in_use() - before));
    {
        const int32_t fmts[] = {LB_F32, LB_F16, LB_Q8_0, LB_Q4_0, LB_Q4_K, LB_W4G};
        const int nf = 6;
        const int64_t rows = 96, cols = 256;
        std::vector<float> wf((size_t)(rows * cols)), x((size_t)(16 * cols)), y((size_t)(16 * (rows > cols ? rows : cols)));
        for (size_t i = 0; i < wf.size(); i++) wf[i] = (float)((int)(i * 7919 % 2001) - 1000) / 1000.f;
        for (size_t i = 0; i < x.size(); i++) x[i] = (float)((int)(i * 104729 % 201) - 100) / 100.f;
        std::vector<std::vector<uint8_t>> w(nf);
        for (int f = 0; f < nf; f++) {
            const int32_t g = fmts[f] == LB_W4G ? 128 : 0;
            w[f].resize((size_t)(lb_row_bytes(fmts[f], g, cols) * rows));
            CHECK(lb_quantize(fmts[f], g, wf.data(), w[f].data(), rows, cols) == LB_OK, "quantize format %d", fmts[f]);
        }
        kernel_round(w, fmts, nf, x.data(), y.data());
        const int64_t settled = lb_heap_in_use();
        for (int i = 0; i < 200; i++) kernel_round(w, fmts, nf, x.data(), y.data());
        const int64_t grown = lb_heap_in_use() - settled;
        CHECK(grown < 4096, "C heap grew by %lld bytes over 200 rounds of kernel calls", (long long)grown);
    }
    CHECK(lb_alloc(0) == nullptr, "zero bytes must give NULL");
    CHECK(lb_alloc(-5) == nullptr, "negative size must give NULL");
    lb_free(nullptr, 123);  // no-op
    return finish("test_memory");
}
