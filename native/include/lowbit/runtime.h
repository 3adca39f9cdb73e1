/* lowbit runtime: CPU feature dispatch and the thread count of the kernel pool. */
#ifndef LOWBIT_RUNTIME_H
#define LOWBIT_RUNTIME_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* status codes returned by kernels */
#define LB_OK 0
#define LB_ERR_ARG (-1)       /* a size, group or pointer is invalid */
#define LB_ERR_FORMAT (-2)    /* format id unknown or not supported by this op */

/* instruction-set levels a kernel may be dispatched to */
#define LB_ISA_SCALAR 0
#define LB_ISA_AVX2 1
#define LB_ISA_AVX512 2
/* AVX-512 plus AVX512_BF16 and AVX512_VBMI: the vdpbf16ps kernels (BF16 weights, W*G weight-only,
 * KV4 attention). At LB_ISA_AVX512 the same operations take their FP32-FMA AVX-512 paths. */
#define LB_ISA_AVX512_BF16 3
/* ARM64 levels, numbered apart from x86's so a level names one instruction set on any machine
 * (a build has the kernels of its own architecture only; the other family's levels run scalar) */
#define LB_ISA_NEON 16          /* ASIMD: every AArch64 CPU */
#define LB_ISA_NEON_DOTPROD 17  /* + SDOT/UDOT (HWCAP asimddp): the int8 dot kernels */
#define LB_ISA_NEON_I8MM 18     /* + SMMLA/USDOT (HWCAP2 i8mm): the 32-block formats' multi-row tiles; else the dotprod kernels */

const char *lb_version(void);
/* highest level this CPU supports */
int32_t lb_isa_supported(void);
/* level kernels currently use (defaults to lb_isa_supported()) */
int32_t lb_isa_get(void);
/* force a level e.g. to test SIMD paths against the scalar reference; returns the level set: a level
 * above the supported one gives the supported one, a level of the other architecture's family scalar */
int32_t lb_isa_set(int32_t level);
/* threads used by parallel kernels (default: hardware concurrency) */
void lb_threads_set(int32_t n);
int32_t lb_threads_get(void);

/* Native memory for kernels' buffers. Blocks of at least LB_HUGE_MIN_BYTES are 2 MiB aligned
 * anonymous mappings advised to use transparent huge pages (zero-filled); smaller ones are 64-byte
 * aligned heap blocks (not zeroed). NULL when out of memory. Free with the same byte count. */
#define LB_HUGE_MIN_BYTES (4LL << 20)
void *lb_alloc(int64_t bytes);
void lb_free(void *p, int64_t bytes);
/* Bytes of the C heap (malloc, all arenas, including its own large mappings) in use by this
 * process right now, or -1 where the C library cannot tell. For leak tests: unlike the resident
 * set, it does not move with the JVM's heap or with file mappings the GC has not yet dropped. */
int64_t lb_heap_in_use(void);

#ifdef __cplusplus
}
#endif
#endif
