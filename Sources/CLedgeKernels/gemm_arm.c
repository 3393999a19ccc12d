// aarch64 int8 GEMM paths, chosen at run time from HWCAP by dispatch.c:
//   NEON: 4 rows x 16 k per packed chunk; smull + smlal2 put two products in each int16 lane (exact while
//     |w| <= 127), sadalp widens into int32; register tile 4 rows x 4 columns, rows reduced with addp.
//   NEON dot product: 4 rows x 4 k per packed quad; sdot by lane (signed x signed, no correction);
//     register tile 8 rows x 4 columns.
// Both sum in 32-bit wrapping arithmetic, as the portable reference does.
#include "ledge_kernels.h"
#include "kernels_internal.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define NEON_NC 4

/* Stores n (<= 4) int32 lanes of v + bias. */
INLINE void store4(int32_t *dst, int32x4_t v, const int32_t *bias, int32_t r, int32_t n) {
    int32_t t[4];
    if (bias && n == 4) v = vaddq_s32(v, vld1q_s32(bias + r));
    else if (bias) {
        int32_t b[4] = {0, 0, 0, 0};
        for (int32_t i = 0; i < n; i++) b[i] = bias[r + i];
        v = vaddq_s32(v, vld1q_s32(b));
    }
    if (n == 4) { vst1q_s32(dst, v); return; }
    vst1q_s32(t, v);
    for (int32_t i = 0; i < n; i++) dst[i] = t[i];
}

/* 16 bytes of column c at k (a zero-padded copy for the last partial chunk). */
INLINE int8x16_t load_x16(const int8_t *xc, int32_t k, int32_t depth) {
    if (k + 16 <= depth) return vld1q_s8(xc + k);
    int8_t t[16] = {0};
    memcpy(t, xc + k, (size_t)(depth - k));
    return vld1q_s8(t);
}

/* ---------------------------------------------------------------- NEON */

void ledge_pack_neon(const int8_t *w, int32_t rows, int32_t depth, void *packed) {
    const int32_t nk = LEDGE_CEIL(depth, 16), nrb = LEDGE_CEIL(rows, 4);
    int8_t *p = (int8_t *)packed;
    for (int32_t rb = 0; rb < nrb; rb++)
        for (int32_t kc = 0; kc < nk; kc++)
            for (int32_t i = 0; i < 4; i++)
                for (int32_t j = 0; j < 16; j++) {
                    int32_t r = rb * 4 + i, k = kc * 16 + j;
                    *p++ = (r < rows && k < depth) ? w[(int64_t)r * depth + k] : 0;
                }
}

INLINE void neon_tile(const int8_t *pw, const int8_t *x, int64_t ldx, int32_t depth, const int NC, const int32_t *bias,
                      int32_t rows, int32_t r0, int32_t *out) {
    const int32_t nk = LEDGE_CEIL(depth, 16);
    int32x4_t acc[4][NEON_NC];
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < NC; c++) acc[i][c] = vdupq_n_s32(0);
    for (int32_t kc = 0; kc < nk; kc++) {
        int8x16_t wv[4], xv[NEON_NC];
        for (int i = 0; i < 4; i++) wv[i] = vld1q_s8(pw + (int64_t)kc * 64 + 16 * i);
        for (int c = 0; c < NC; c++) xv[c] = load_x16(x + (int64_t)c * ldx, kc * 16, depth);
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < NC; c++) {
                int16x8_t p = vmull_s8(vget_low_s8(wv[i]), vget_low_s8(xv[c]));
                p = vmlal_high_s8(p, wv[i], xv[c]);
                acc[i][c] = vpadalq_s16(acc[i][c], p);
            }
    }
    int32_t n = rows - r0 < 4 ? rows - r0 : 4;
    for (int c = 0; c < NC; c++) {
        int32x4_t s = vpaddq_s32(vpaddq_s32(acc[0][c], acc[1][c]), vpaddq_s32(acc[2][c], acc[3][c]));
        store4(out + (int64_t)c * rows + r0, s, bias, r0, n);
    }
}

void ledge_gemm_neon(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                     const int32_t *bias, int32_t *out) {
    const int32_t nk = LEDGE_CEIL(depth, 16), nrb = LEDGE_CEIL(rows, 4);
    const int64_t rbStride = (int64_t)nk * 64;
    for (int32_t c0 = 0; c0 < cols; c0 += NEON_NC) {
        const int nc = cols - c0 < NEON_NC ? cols - c0 : NEON_NC;
        const int8_t *xt = x + (int64_t)c0 * ldx;
        int32_t *oc = out + (int64_t)c0 * rows;
        for (int32_t rb = 0; rb < nrb; rb++) {
            const int8_t *pw = (const int8_t *)packed + rb * rbStride;
            switch (nc) {
            case 1: neon_tile(pw, xt, ldx, depth, 1, bias, rows, rb * 4, oc); break;
            case 2: neon_tile(pw, xt, ldx, depth, 2, bias, rows, rb * 4, oc); break;
            case 3: neon_tile(pw, xt, ldx, depth, 3, bias, rows, rb * 4, oc); break;
            default: neon_tile(pw, xt, ldx, depth, 4, bias, rows, rb * 4, oc); break;
            }
        }
    }
}

/* ---------------------------------------------------------------- NEON dot product */

void ledge_pack_neondot(const int8_t *w, int32_t rows, int32_t depth, void *packed) {
    const int32_t nk = LEDGE_CEIL(depth, 16), nrb = LEDGE_CEIL(rows, 4);
    int8_t *p = (int8_t *)packed;
    for (int32_t rb = 0; rb < nrb; rb++)
        for (int32_t kc = 0; kc < nk; kc++)
            for (int32_t q = 0; q < 4; q++)
                for (int32_t i = 0; i < 4; i++)
                    for (int32_t j = 0; j < 4; j++) {
                        int32_t r = rb * 4 + i, k = kc * 16 + q * 4 + j;
                        *p++ = (r < rows && k < depth) ? w[(int64_t)r * depth + k] : 0;
                    }
}

#define DOT_Q(A, W, X)                                                                                     \
    A = vdotq_laneq_s32(A, (W)[0], X, 0);                                                                  \
    A = vdotq_laneq_s32(A, (W)[1], X, 1);                                                                  \
    A = vdotq_laneq_s32(A, (W)[2], X, 2);                                                                  \
    A = vdotq_laneq_s32(A, (W)[3], X, 3);

INLINE __attribute__((target("dotprod"))) void dot_tile(const int8_t *pw, int64_t rbStride, const int MB,
                                                        const int8_t *x, int64_t ldx, int32_t depth, const int NC,
                                                        const int32_t *bias, int32_t rows, int32_t r0,
                                                        int32_t *out) {
    const int32_t nk = LEDGE_CEIL(depth, 16);
    int32x4_t acc[2][NEON_NC];
    for (int b = 0; b < MB; b++)
        for (int c = 0; c < NC; c++) acc[b][c] = vdupq_n_s32(0);
    for (int32_t kc = 0; kc < nk; kc++) {
        int8x16_t wv[2][4], xv[NEON_NC];
        for (int b = 0; b < MB; b++)
            for (int q = 0; q < 4; q++) wv[b][q] = vld1q_s8(pw + b * rbStride + (int64_t)kc * 64 + 16 * q);
        for (int c = 0; c < NC; c++) xv[c] = load_x16(x + (int64_t)c * ldx, kc * 16, depth);
        for (int b = 0; b < MB; b++)
            for (int c = 0; c < NC; c++) { DOT_Q(acc[b][c], wv[b], xv[c]) }
    }
    for (int b = 0; b < MB; b++) {
        int32_t r = r0 + 4 * b;
        if (r >= rows) break;
        int32_t n = rows - r < 4 ? rows - r : 4;
        for (int c = 0; c < NC; c++) store4(out + (int64_t)c * rows + r, acc[b][c], bias, r, n);
    }
}

#define DOT_COLS(MB, NCV)                                                                                  \
    switch (NCV) {                                                                                         \
    case 1: dot_tile(pw, rbStride, MB, xt, ldx, depth, 1, bias, rows, rb * 4, oc); break;                       \
    case 2: dot_tile(pw, rbStride, MB, xt, ldx, depth, 2, bias, rows, rb * 4, oc); break;                       \
    case 3: dot_tile(pw, rbStride, MB, xt, ldx, depth, 3, bias, rows, rb * 4, oc); break;                       \
    default: dot_tile(pw, rbStride, MB, xt, ldx, depth, 4, bias, rows, rb * 4, oc); break;                      \
    }

__attribute__((target("dotprod")))
void ledge_gemm_neondot(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out) {
    const int32_t nk = LEDGE_CEIL(depth, 16), nrb = LEDGE_CEIL(rows, 4);
    const int64_t rbStride = (int64_t)nk * 64;
    for (int32_t c0 = 0; c0 < cols; c0 += NEON_NC) {
        const int nc = cols - c0 < NEON_NC ? cols - c0 : NEON_NC;
        const int8_t *xt = x + (int64_t)c0 * ldx;
        int32_t *oc = out + (int64_t)c0 * rows;
        int32_t rb = 0;
        for (; rb + 2 <= nrb; rb += 2) {
            const int8_t *pw = (const int8_t *)packed + rb * rbStride;
            DOT_COLS(2, nc)
        }
        if (rb < nrb) {
            const int8_t *pw = (const int8_t *)packed + rb * rbStride;
            DOT_COLS(1, nc)
        }
    }
}
#endif
