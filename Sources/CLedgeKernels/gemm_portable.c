// Portable C int8 GEMM: the reference every SIMD path is tested against (also on aarch64 under qemu),
// and the packed form of the portable path (a plain row-major copy).
#include "ledge_kernels.h"
#include "kernels_internal.h"

void ledge_gemm_s8_reference(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                             const int32_t *bias, int32_t *out) {
    for (int32_t c = 0; c < cols; c++) {
        const int8_t *xc = x + (int64_t)c * depth;
        for (int32_t r = 0; r < rows; r++) {
            const int8_t *wr = w + (int64_t)r * depth;
            uint32_t acc = bias ? (uint32_t)bias[r] : 0u;
            for (int32_t k = 0; k < depth; k++) acc += (uint32_t)((int32_t)wr[k] * (int32_t)xc[k]);
            out[(int64_t)c * rows + r] = (int32_t)acc;
        }
    }
}

void ledge_gemm_portable_packed(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth,
                                int32_t cols, const int32_t *bias, int32_t *out) {
    const int8_t *w = (const int8_t *)packed;
    for (int32_t c = 0; c < cols; c++) {
        const int8_t *xc = x + (int64_t)c * ldx;
        for (int32_t r = 0; r < rows; r++) {
            const int8_t *wr = w + (int64_t)r * depth;
            uint32_t acc = bias ? (uint32_t)bias[r] : 0u;
            for (int32_t k = 0; k < depth; k++) acc += (uint32_t)((int32_t)wr[k] * (int32_t)xc[k]);
            out[(int64_t)c * rows + r] = (int32_t)acc;
        }
    }
}

/* TFLite's fixed point, scalar. */
static inline int32_t srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1ll << 31)); /* C division truncates toward zero, as the reference */
}

static inline int32_t rdbpot(int32_t x, int32_t e) {
    int32_t mask = (int32_t)((1ll << e) - 1);
    int32_t rem = x & mask, thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

static inline int32_t mbqm(int32_t x, int32_t m, int32_t s, int single) {
    if (single) {
        int32_t total = 31 - s;
        int64_t round = (int64_t)1 << (total - 1);
        return (int32_t)(((int64_t)x * (int64_t)m + round) >> total);
    }
    int32_t left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
    return rdbpot(srdhm((int32_t)((uint32_t)x << left), m), right);
}

void ledge_requantize_scalar(const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                             const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int single, int8_t *out) {
    for (int64_t i = 0; i < count; i += channels)
        for (int32_t c = 0; c < channels && i + c < count; c++) {
            int32_t v = mbqm(acc[i + c], mult[c], shift[c], single) + zp;
            v = v < lo ? lo : (v > hi ? hi : v);
            out[i + c] = (int8_t)v;
        }
}

void ledge_add_chain(uint64_t n) {
    uint64_t v = 0;
    for (uint64_t i = 0; i < n; i += 8) {
#if defined(__x86_64__)
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                         "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(v));
#elif defined(__aarch64__)
        __asm__ volatile("add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
                         "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1" : "+r"(v));
#else
        v += 8;
        __asm__ volatile("" : "+r"(v));
#endif
    }
}
