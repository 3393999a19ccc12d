// Internal declarations shared by the kernel files of CLedgeKernels (not part of the module's API).
// Packed layouts (all zero-padded, so padded rows/depth contribute nothing):
//   portable   : row-major copy, rows x depth.
//   avx2       : 8-row blocks; per block, per k pair: 8 rows x 2 int16 (32 bytes).
//   avx512vnni : 16-row blocks; per block, per k quad: 16 rows x 4 uint8 (w + 128; padding 0) (64 bytes).
//   neon       : 4-row blocks; per block, per 16-k chunk: 4 rows x 16 int8 (64 bytes).
//   neondot    : 4-row blocks; per block, per k quad: 4 rows x 4 int8 (16 bytes).
#ifndef LEDGE_KERNELS_INTERNAL_H
#define LEDGE_KERNELS_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#define LEDGE_CEIL(a, b) (((a) + (b) - 1) / (b))

void ledge_gemm_portable_packed(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                                const int32_t *bias, int32_t *out);

void ledge_requantize_scalar(const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                             const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int single, int8_t *out);

#if defined(__x86_64__)
void ledge_requantize_avx512(const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                             const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int single, int8_t *out);
void ledge_pack_avx2(const int8_t *w, int32_t rows, int32_t depth, void *packed);
void ledge_gemm_avx2(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                     const int32_t *bias, int32_t *out);
uint64_t ledge_peak_probe_vnni(uint64_t iterations);
uint64_t ledge_peak_probe_avx2(uint64_t iterations);
void ledge_pack_vnni(const int8_t *w, int32_t rows, int32_t depth, void *packed);
void ledge_gemm_vnni(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                     const int32_t *bias, int32_t *out);
#endif
#if defined(__aarch64__)
void ledge_pack_neon(const int8_t *w, int32_t rows, int32_t depth, void *packed);
void ledge_gemm_neon(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                     const int32_t *bias, int32_t *out);
void ledge_pack_neondot(const int8_t *w, int32_t rows, int32_t depth, void *packed);
void ledge_gemm_neondot(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out);
#endif
#endif
