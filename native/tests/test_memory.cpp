// lb_alloc/lb_free: small blocks are 64-byte aligned heap memory; blocks of LB_HUGE_MIN_BYTES or
// more are 2 MiB aligned, zero-filled, writable to their last byte, and can be freed and reused.
#include <cstdint>
#include <cstring>
#include "test_util.h"

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
    CHECK(lb_alloc(0) == nullptr, "zero bytes must give NULL");
    CHECK(lb_alloc(-5) == nullptr, "negative size must give NULL");
    lb_free(nullptr, 123);  // no-op
    return finish("test_memory");
}
