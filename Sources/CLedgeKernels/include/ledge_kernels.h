// CLedgeKernels: int8 inner loops with SIMD intrinsics, chosen at run time from the CPU's features.
#ifndef LEDGE_KERNELS_H
#define LEDGE_KERNELS_H
#include <stdint.h>

/// Kernel paths. Not every path exists on every CPU or architecture.
enum {
    LEDGE_PATH_PORTABLE = 0,
    LEDGE_PATH_AVX2 = 1,
    LEDGE_PATH_AVX512VNNI = 2,
    LEDGE_PATH_NEON = 3,
    LEDGE_PATH_NEONDOT = 4,
    LEDGE_PATH_COUNT = 5
};

/// Names the kernel path this CPU uses ("portable", "avx2", "avx512vnni", "neon", "neondot").
const char *ledge_kernels_path(void);

/// The path number in use.
int ledge_kernels_current(void);

/// Name of a path by number.
const char *ledge_kernels_path_name(int path);

/// 1 when `path` was compiled in and this CPU supports it.
int ledge_kernels_available(int path);

/// Forces a path (tests, benchmarks); returns 0 if unavailable, leaving the current one.
int ledge_kernels_select(int path);

/// out[r] = bias[r] + sum_k w[r*depth + k] * x[k] for r in [0, rows). Weights in [-127, 127].
/// `bias` may be NULL (treated as zeros).
void ledge_gemv_s8(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                   const int32_t *bias, int32_t *out);

/// The same on an explicit path (tests compare every available path with the portable one).
void ledge_gemv_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                        const int32_t *bias, int32_t *out);

/// out[c*rows + r] = bias[r] + sum_k w[r*depth + k] * x[c*depth + k]: `cols` input vectors at once
/// (a GEMM with the weights as the left operand; conv patches and batched inputs).
void ledge_gemm_s8(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                   const int32_t *bias, int32_t *out);

void ledge_gemm_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                        int32_t cols, const int32_t *bias, int32_t *out);

#endif
