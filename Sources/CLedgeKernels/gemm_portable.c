// Portable C int8 GEMM: the reference every SIMD path is tested against.
#include "kernels_internal.h"

void ledge_gemm_s8_portable(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
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
