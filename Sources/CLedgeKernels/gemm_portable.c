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

void ledge_gemm_portable_packed(const void *packed, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                                const int32_t *bias, int32_t *out) {
    ledge_gemm_s8_reference((const int8_t *)packed, x, rows, depth, cols, bias, out);
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
