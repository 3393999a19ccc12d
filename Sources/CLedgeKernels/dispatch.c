// Run-time CPU feature dispatch for the int8 kernels: which paths this CPU can run, the best one, and the
// pack/GEMM entry points by path.
#include "ledge_kernels.h"
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

static const char *const names[LEDGE_PATH_COUNT] = {"portable", "avx2", "avx512vnni", "neon", "neondot"};

static int compiled(int path) {
    switch (path) {
    case LEDGE_PATH_PORTABLE: return 1;
#if defined(__x86_64__)
    case LEDGE_PATH_AVX2: case LEDGE_PATH_AVX512VNNI: return 1;
#endif
#if defined(__aarch64__)
    case LEDGE_PATH_NEON: case LEDGE_PATH_NEONDOT: return 1;
#endif
    default: return 0;
    }
}

int ledge_kernels_available(int path) {
    if (path < 0 || path >= LEDGE_PATH_COUNT || !compiled(path)) return 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (path == LEDGE_PATH_AVX2) return __builtin_cpu_supports("avx2") ? 1 : 0;
    if (path == LEDGE_PATH_AVX512VNNI)
        return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vnni")) ? 1 : 0;
#endif
#if defined(__aarch64__) && defined(__linux__)
    unsigned long caps = getauxval(AT_HWCAP);
    if (path == LEDGE_PATH_NEON) return (caps & HWCAP_ASIMD) ? 1 : 0;
    if (path == LEDGE_PATH_NEONDOT) return (caps & HWCAP_ASIMDDP) ? 1 : 0;
#endif
    return path == LEDGE_PATH_PORTABLE;
}

int ledge_kernels_best(void) {
    static const int order[] = {LEDGE_PATH_AVX512VNNI, LEDGE_PATH_AVX2, LEDGE_PATH_NEONDOT, LEDGE_PATH_NEON};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        if (ledge_kernels_available(order[i])) return order[i];
    return LEDGE_PATH_PORTABLE;
}

/* The default path for models loaded from now on; -1 until first asked. Changed only by
   ledge_kernels_select (tests, benchmarks). */
static int current = -1;

int ledge_kernels_current(void) {
    int p = __atomic_load_n(&current, __ATOMIC_RELAXED);
    if (p < 0) { p = ledge_kernels_best(); __atomic_store_n(&current, p, __ATOMIC_RELAXED); }
    return p;
}

const char *ledge_kernels_path(void) { return names[ledge_kernels_current()]; }

const char *ledge_kernels_path_name(int path) {
    return (path >= 0 && path < LEDGE_PATH_COUNT) ? names[path] : "unknown";
}

int ledge_kernels_select(int path) {
    if (!ledge_kernels_available(path)) return 0;
    __atomic_store_n(&current, path, __ATOMIC_RELAXED);
    return 1;
}

size_t ledge_pack_size(int path, int32_t rows, int32_t depth) {
    if (rows <= 0 || depth <= 0) return 64;
    size_t r = (size_t)rows, d = (size_t)depth, n;
    switch (path) {
    case LEDGE_PATH_PORTABLE: n = r * d; break;
    case LEDGE_PATH_AVX2: n = LEDGE_CEIL(r, 8) * LEDGE_CEIL(d, 2) * 32; break;
    case LEDGE_PATH_AVX512VNNI: n = LEDGE_CEIL(r, 16) * LEDGE_CEIL(d, 4) * 64; break;
    case LEDGE_PATH_NEON: n = LEDGE_CEIL(r, 4) * LEDGE_CEIL(d, 16) * 64; break;
    case LEDGE_PATH_NEONDOT: n = LEDGE_CEIL(r, 4) * LEDGE_CEIL(d, 16) * 64; break;
    default: return 0;
    }
    return (n + 63) & ~(size_t)63;
}

void ledge_pack(int path, const int8_t *w, int32_t rows, int32_t depth, void *packed) {
    if (rows <= 0 || depth <= 0) return;
    switch (path) {
    case LEDGE_PATH_PORTABLE: memcpy(packed, w, (size_t)rows * (size_t)depth); break;
#if defined(__x86_64__)
    case LEDGE_PATH_AVX2: ledge_pack_avx2(w, rows, depth, packed); break;
    case LEDGE_PATH_AVX512VNNI: ledge_pack_vnni(w, rows, depth, packed); break;
#endif
#if defined(__aarch64__)
    case LEDGE_PATH_NEON: ledge_pack_neon(w, rows, depth, packed); break;
    case LEDGE_PATH_NEONDOT: ledge_pack_neondot(w, rows, depth, packed); break;
#endif
    default: break;
    }
}

void ledge_gemm_packed(int path, const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth,
                       int32_t cols, const int32_t *bias, int32_t *out) {
    if (rows <= 0 || cols <= 0) return;
    if (depth <= 0) {
        for (int32_t c = 0; c < cols; c++)
            for (int32_t r = 0; r < rows; r++) out[(int64_t)c * rows + r] = bias ? bias[r] : 0;
        return;
    }
    switch (path) {
#if defined(__x86_64__)
    case LEDGE_PATH_AVX2: ledge_gemm_avx2(packed, x, ldx, rows, depth, cols, bias, out); return;
    case LEDGE_PATH_AVX512VNNI: ledge_gemm_vnni(packed, x, ldx, rows, depth, cols, bias, out); return;
#endif
#if defined(__aarch64__)
    case LEDGE_PATH_NEON: ledge_gemm_neon(packed, x, ldx, rows, depth, cols, bias, out); return;
    case LEDGE_PATH_NEONDOT: ledge_gemm_neondot(packed, x, ldx, rows, depth, cols, bias, out); return;
#endif
    default: ledge_gemm_portable_packed(packed, x, ldx, rows, depth, cols, bias, out); return;
    }
}

void ledge_gemm_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out) {
    if (!ledge_kernels_available(path)) path = LEDGE_PATH_PORTABLE;
    size_t n = ledge_pack_size(path, rows, depth);
    void *p = aligned_alloc(64, n ? n : 64);
    if (!p) { ledge_gemm_s8_reference(w, x, rows, depth, cols, bias, out); return; }
    ledge_pack(path, w, rows, depth, p);
    ledge_gemm_packed(path, p, x, depth, rows, depth, cols, bias, out);
    free(p);
}

uint64_t ledge_peak_probe(int path, uint64_t iterations) {
    if (!ledge_kernels_available(path)) return 0;
    switch (path) {
#if defined(__x86_64__)
    case LEDGE_PATH_AVX2: return ledge_peak_probe_avx2(iterations);
    case LEDGE_PATH_AVX512VNNI: return ledge_peak_probe_vnni(iterations);
#endif
    default: return 0;
    }
}

void ledge_requantize(int path, const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                      const int32_t *shift, int32_t zero_point, int32_t lo, int32_t hi, int single_rounding,
                      int8_t *out) {
    if (count <= 0 || channels <= 0) return;
#if defined(__x86_64__)
    if (path == LEDGE_PATH_AVX512VNNI && ledge_kernels_available(path)) {
        ledge_requantize_avx512(acc, count, channels, mult, shift, zero_point, lo, hi, single_rounding, out);
        return;
    }
#endif
    (void)path;
    ledge_requantize_scalar(acc, count, channels, mult, shift, zero_point, lo, hi, single_rounding, out);
}
