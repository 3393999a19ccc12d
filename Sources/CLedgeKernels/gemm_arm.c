// aarch64 int8 GEMM paths: NEON (smull/smlal pairs summed in int16, then sadalp) and NEON dot product
// (sdot), chosen at run time from HWCAP by dispatch.c.
#include "kernels_internal.h"
#if defined(__aarch64__)
#include <arm_neon.h>

/* Two int8 products summed in int16 cannot overflow while weights stay in [-127, 127]. */
void ledge_gemm_s8_neon(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out) {
    const int32_t kv = depth & ~15;
    for (int32_t c = 0; c < cols; c++) {
        const int8_t *x0 = x + (int64_t)c * depth;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *wr[4] = {w + (int64_t)r * depth, w + (int64_t)(r + 1) * depth,
                                   w + (int64_t)(r + 2) * depth, w + (int64_t)(r + 3) * depth};
            int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
            for (int32_t k = 0; k < kv; k += 16) {
                int8x16_t xv = vld1q_s8(x0 + k);
                for (int j = 0; j < 4; j++) {
                    int8x16_t wv = vld1q_s8(wr[j] + k);
                    int16x8_t p = vmull_s8(vget_low_s8(wv), vget_low_s8(xv));
                    p = vmlal_high_s8(p, wv, xv);
                    acc[j] = vpadalq_s16(acc[j], p);
                }
            }
            for (int j = 0; j < 4; j++) {
                uint32_t s = (uint32_t)vaddvq_s32(acc[j]);
                for (int32_t k = kv; k < depth; k++) s += (uint32_t)(wr[j][k] * (int32_t)x0[k]);
                out[(int64_t)c * rows + r + j] = (int32_t)(s + (bias ? (uint32_t)bias[r + j] : 0u));
            }
        }
        if (r < rows)
            ledge_gemm_s8_portable(w + (int64_t)r * depth, x0, rows - r, depth, 1, bias ? bias + r : 0,
                                   out + (int64_t)c * rows + r);
    }
}

__attribute__((target("dotprod")))
void ledge_gemm_s8_neondot(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                           const int32_t *bias, int32_t *out) {
    const int32_t kv = depth & ~15;
    for (int32_t c = 0; c < cols; c++) {
        const int8_t *x0 = x + (int64_t)c * depth;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *w0 = w + (int64_t)r * depth, *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
            int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
            for (int32_t k = 0; k < kv; k += 16) {
                int8x16_t xv = vld1q_s8(x0 + k);
                a0 = vdotq_s32(a0, vld1q_s8(w0 + k), xv);
                a1 = vdotq_s32(a1, vld1q_s8(w1 + k), xv);
                a2 = vdotq_s32(a2, vld1q_s8(w2 + k), xv);
                a3 = vdotq_s32(a3, vld1q_s8(w3 + k), xv);
            }
            uint32_t s[4] = {(uint32_t)vaddvq_s32(a0), (uint32_t)vaddvq_s32(a1), (uint32_t)vaddvq_s32(a2),
                             (uint32_t)vaddvq_s32(a3)};
            for (int32_t k = kv; k < depth; k++) {
                int32_t xa = x0[k];
                s[0] += (uint32_t)(w0[k] * xa); s[1] += (uint32_t)(w1[k] * xa);
                s[2] += (uint32_t)(w2[k] * xa); s[3] += (uint32_t)(w3[k] * xa);
            }
            for (int j = 0; j < 4; j++)
                out[(int64_t)c * rows + r + j] = (int32_t)(s[j] + (bias ? (uint32_t)bias[r + j] : 0u));
        }
        if (r < rows)
            ledge_gemm_s8_portable(w + (int64_t)r * depth, x0, rows - r, depth, 1, bias ? bias + r : 0,
                                   out + (int64_t)c * rows + r);
    }
}
#endif
