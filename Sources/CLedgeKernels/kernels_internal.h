// Internal declarations shared by the kernel files of CLedgeKernels (not part of the module's API).
#ifndef LEDGE_KERNELS_INTERNAL_H
#define LEDGE_KERNELS_INTERNAL_H
#include <stdint.h>

typedef void (*ledge_gemm_fn)(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                              const int32_t *bias, int32_t *out);

void ledge_gemm_s8_portable(const int8_t *, const int8_t *, int32_t, int32_t, int32_t, const int32_t *, int32_t *);
#if defined(__x86_64__)
void ledge_gemm_s8_avx2(const int8_t *, const int8_t *, int32_t, int32_t, int32_t, const int32_t *, int32_t *);
void ledge_gemm_s8_avx512vnni(const int8_t *, const int8_t *, int32_t, int32_t, int32_t, const int32_t *, int32_t *);
#endif
#if defined(__aarch64__)
void ledge_gemm_s8_neon(const int8_t *, const int8_t *, int32_t, int32_t, int32_t, const int32_t *, int32_t *);
void ledge_gemm_s8_neondot(const int8_t *, const int8_t *, int32_t, int32_t, int32_t, const int32_t *, int32_t *);
#endif
#endif
