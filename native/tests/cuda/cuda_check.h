// CUDA_OK(call): a failed CUDA runtime call in test_cuda / bench_cuda prints where and why, then
// exits 2 (a CUDA error, as opposed to 1 for a wrong result).
#pragma once
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>

#define CUDA_OK(call)                                                                                   \
    do {                                                                                                \
        const cudaError_t e_ = (call);                                                                  \
        if (e_ != cudaSuccess) {                                                                        \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
            std::exit(2);                                                                               \
        }                                                                                               \
    } while (0)

// true if a CUDA device is present; otherwise says why and the caller exits 77 (ctest's skip code)
inline bool cuda_device_present() {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaSuccess && n > 0) return true;
    std::printf("no CUDA device (%s)\n", e != cudaSuccess ? cudaGetErrorString(e) : "none found");
    return false;
}
