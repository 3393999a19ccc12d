// Run-time CPU feature dispatch for the int8 kernels: picks the best compiled path once at start-up.
#include "ledge_kernels.h"
#include "kernels_internal.h"
#include <stddef.h>
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

static const ledge_gemm_fn gemm_table[LEDGE_PATH_COUNT] = {
    ledge_gemm_s8_portable,
#if defined(__x86_64__)
    ledge_gemm_s8_avx2,
    ledge_gemm_s8_avx512vnni,
#else
    NULL, NULL,
#endif
#if defined(__aarch64__)
    ledge_gemm_s8_neon,
    ledge_gemm_s8_neondot,
#else
    NULL, NULL,
#endif
};

int ledge_kernels_available(int path) {
    if (path < 0 || path >= LEDGE_PATH_COUNT || gemm_table[path] == NULL) return 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (path == LEDGE_PATH_AVX2) return __builtin_cpu_supports("avx2") ? 1 : 0;
    if (path == LEDGE_PATH_AVX512VNNI)
        return (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("avx512vnni")) ? 1 : 0;
#endif
#if defined(__aarch64__) && defined(__linux__)
    unsigned long caps = getauxval(AT_HWCAP);
    if (path == LEDGE_PATH_NEON) return (caps & HWCAP_ASIMD) ? 1 : 0;
    if (path == LEDGE_PATH_NEONDOT) return (caps & HWCAP_ASIMDDP) ? 1 : 0;
#endif
    return path == LEDGE_PATH_PORTABLE;
}

static int best_path(void) {
    static const int order[] = {LEDGE_PATH_AVX512VNNI, LEDGE_PATH_AVX2, LEDGE_PATH_NEONDOT, LEDGE_PATH_NEON};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        if (ledge_kernels_available(order[i])) return order[i];
    return LEDGE_PATH_PORTABLE;
}

/* Chosen once; reads are plain loads of an int written before any kernel runs (constructor),
   later changed only by ledge_kernels_select from tests and benchmarks. */
static int current = -1;

__attribute__((constructor)) static void ledge_kernels_init(void) { current = best_path(); }

static inline int path_now(void) {
    int p = __atomic_load_n(&current, __ATOMIC_RELAXED);
    if (p < 0) { p = best_path(); __atomic_store_n(&current, p, __ATOMIC_RELAXED); }
    return p;
}

const char *ledge_kernels_path(void) { return names[path_now()]; }

int ledge_kernels_current(void) { return path_now(); }

const char *ledge_kernels_path_name(int path) {
    return (path >= 0 && path < LEDGE_PATH_COUNT) ? names[path] : "unknown";
}

int ledge_kernels_select(int path) {
    if (!ledge_kernels_available(path)) return 0;
    __atomic_store_n(&current, path, __ATOMIC_RELAXED);
    return 1;
}

void ledge_gemm_s8(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                   const int32_t *bias, int32_t *out) {
    gemm_table[path_now()](w, x, rows, depth, cols, bias, out);
}

void ledge_gemv_s8(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                   const int32_t *bias, int32_t *out) {
    gemm_table[path_now()](w, x, rows, depth, 1, bias, out);
}

void ledge_gemm_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                        int32_t cols, const int32_t *bias, int32_t *out) {
    if (!ledge_kernels_available(path)) path = LEDGE_PATH_PORTABLE;
    gemm_table[path](w, x, rows, depth, cols, bias, out);
}

void ledge_gemv_s8_path(int path, const int8_t *w, const int8_t *x, int32_t rows, int32_t depth,
                        const int32_t *bias, int32_t *out) {
    ledge_gemm_s8_path(path, w, x, rows, depth, 1, bias, out);
}
