// CLedgeKernels: int8 GEMM inner loops with SIMD intrinsics, chosen at run time from the CPU's features.
// Weights are packed once (at model load) into the layout of one path; the GEMM then reads only packed
// weights, so a model keeps the path it was packed for even if the process default changes later.
#ifndef LEDGE_KERNELS_H
#define LEDGE_KERNELS_H
#include <stddef.h>
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

/// Names the kernel path in use ("portable", "avx2", "avx512vnni", "neon", "neondot").
const char *ledge_kernels_path(void);

/// The path number in use (the best this CPU supports unless ledge_kernels_select changed it).
int ledge_kernels_current(void);

/// The best path this CPU supports (ignores ledge_kernels_select).
int ledge_kernels_best(void);

/// Name of a path by number.
const char *ledge_kernels_path_name(int path);

/// 1 when `path` was compiled in and this CPU supports it.
int ledge_kernels_available(int path);

/// Forces a path for models loaded from now on (tests, benchmarks); returns 0 if unavailable here.
int ledge_kernels_select(int path);

/// Bytes of the packed form of a rows x depth int8 weight matrix for `path` (0 if the path is unknown).
size_t ledge_pack_size(int path, int32_t rows, int32_t depth);

/// Packs row-major weights w[rows][depth] (values in [-127, 127]) into `packed` (ledge_pack_size bytes,
/// 64-byte aligned) in the layout of `path`.
void ledge_pack(int path, const int8_t *w, int32_t rows, int32_t depth, void *packed);

/// out[c*rows + r] = bias[r] + sum_k w[r][k] * x[c*ldx + k] for c < cols, with 32-bit wrapping sums,
/// from weights packed for `path` (which must be available). `bias` may be NULL (zeros). Columns may
/// overlap (ldx < depth: a 1-D convolution reads its input rows in place). Never allocates, never reads
/// x outside [x, x + (cols-1)*ldx + depth).
void ledge_gemm_packed(int path, const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth,
                       int32_t cols, const int32_t *bias, int32_t *out);

/// TFLite's requantization of int32 accumulators laid out [count/channels][channels]: for channel c,
/// out = clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + zero_point, lo, hi) as int8.
/// single_rounding = 0: the default double rounding (SaturatingRoundingDoublingHighMul, then
/// RoundingDivideByPOT); 1: one rounding of acc*mult / 2^(31-shift), half up (the int64 form).
/// `path` picks the SIMD version (AVX-512 on avx512vnni; the scalar C loop elsewhere).
void ledge_requantize(int path, const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                      const int32_t *shift, int32_t zero_point, int32_t lo, int32_t hi, int single_rounding,
                      int8_t *out);

/// Convenience for tests and benchmarks: packs (allocating) and runs on `path`; portable if unavailable.
void ledge_gemm_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out);

/// The plain C reference loop (unpacked, row-major weights).
void ledge_gemm_s8_reference(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                             const int32_t *bias, int32_t *out);

/// Runs `n` dependent integer additions (one per cycle on any out-of-order core), for measuring the
/// clock: cycles per second ≈ n / elapsed seconds.
void ledge_add_chain(uint64_t n);

/// Peak probe: runs independent chains of the path's int8 multiply-accumulate instruction (register
/// operands only) `iterations` times and returns the MACs done; 0 where no probe exists for the path.
uint64_t ledge_peak_probe(int path, uint64_t iterations);

#endif
