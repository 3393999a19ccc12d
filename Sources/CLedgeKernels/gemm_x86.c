// x86-64 int8 GEMM paths, compiled per function with target attributes and chosen at run time:
//   AVX2: weights pre-widened to int16 pairs at pack time; activations sign-extended once per column
//     tile into a stack buffer; register tile 16 rows x 4 columns of vpmaddwd (two int8 products per
//     32-bit lane, exact: |w| <= 127 so no pair reaches the one vpmaddwd overflow, (-32768)^2 * 2).
//   AVX-512 VNNI: vpdpbusd takes unsigned x signed bytes, so weights are stored as w + 128 (1..255,
//     padding 0) and each column's 128 * sum(x) is subtracted at the end; register tile 32 rows x
//     8 columns (64 rows x 1-2 columns for GEMV), activations broadcast straight from memory.
// Both sum in 32-bit wrapping arithmetic, as the portable reference does.
#include "ledge_kernels.h"
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define AVX2 __attribute__((target("avx2")))
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")))

static inline int32_t load32(const void *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* The n (1..3) bytes at p as the low bytes of an int32, the rest zero (no call, no over-read). */
static inline int32_t load_tail(const int8_t *p, int32_t n) {
    uint32_t v = (uint8_t)p[0];
    if (n > 1) v |= (uint32_t)(uint8_t)p[1] << 8;
    if (n > 2) v |= (uint32_t)(uint8_t)p[2] << 16;
    return (int32_t)v;
}

/* ---------------------------------------------------------------- AVX2 */

void ledge_pack_avx2(const int8_t *w, int32_t rows, int32_t depth, void *packed) {
    const int32_t np = LEDGE_CEIL(depth, 2), nrb = LEDGE_CEIL(rows, 8);
    int16_t *p = (int16_t *)packed;
    for (int32_t rb = 0; rb < nrb; rb++)
        for (int32_t q = 0; q < np; q++)
            for (int32_t i = 0; i < 8; i++)
                for (int32_t j = 0; j < 2; j++) {
                    int32_t r = rb * 8 + i, k = q * 2 + j;
                    *p++ = (r < rows && k < depth) ? (int16_t)w[(int64_t)r * depth + k] : 0;
                }
}

#define AVX2_KB 512   /* k values per block of the int16 activation buffer */
#define AVX2_NC 4

/* Sign-extends n (<= AVX2_KB) bytes to int16, zero-padded to an even count. */
INLINE AVX2 void widen(const int8_t *x, int32_t n, int16_t *dst) {
    int32_t k = 0;
    for (; k + 16 <= n; k += 16)
        _mm256_storeu_si256((__m256i *)(dst + k), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + k))));
    for (; k < n; k++) dst[k] = x[k];
    dst[n] = 0;
}

INLINE AVX2 void store8(int32_t *dst, __m256i v, int32_t n, int accumulate) {
    if (n == 8) {
        if (accumulate) v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)dst));
        _mm256_storeu_si256((__m256i *)dst, v);
    } else {
        int32_t t[8];
        _mm256_storeu_si256((__m256i *)t, v);
        for (int32_t i = 0; i < n; i++) dst[i] = accumulate ? (int32_t)((uint32_t)dst[i] + (uint32_t)t[i]) : t[i];
    }
}

/* MB 8-row blocks x NC columns over k pairs [q0, q0 + nq) of the block buffer xs (stride AVX2_KB + 2). */
INLINE AVX2 void avx2_tile(const int16_t *pw, int64_t rbStride, const int MB, const int16_t *xs, const int NC,
                           int32_t q0, int32_t nq, int first, const int32_t *bias, int32_t rows, int32_t r0,
                           int32_t *out) {
    __m256i acc[2][AVX2_NC];
    for (int b = 0; b < MB; b++)
        for (int c = 0; c < NC; c++) acc[b][c] = _mm256_setzero_si256();
    for (int32_t q = 0; q < nq; q++) {
        __m256i wv[2];
        for (int b = 0; b < MB; b++) wv[b] = _mm256_load_si256((const __m256i *)(pw + b * rbStride + (int64_t)(q0 + q) * 16));
        for (int c = 0; c < NC; c++) {
            __m256i xb = _mm256_set1_epi32(load32(xs + c * (AVX2_KB + 2) + 2 * q));
            for (int b = 0; b < MB; b++) acc[b][c] = _mm256_add_epi32(acc[b][c], _mm256_madd_epi16(wv[b], xb));
        }
    }
    for (int b = 0; b < MB; b++) {
        int32_t r = r0 + 8 * b;
        if (r >= rows) break;
        int32_t n = rows - r < 8 ? rows - r : 8;
        __m256i bv = _mm256_setzero_si256();
        if (first && bias) {
            int32_t t[8] = {0};
            for (int32_t i = 0; i < n; i++) t[i] = bias[r + i];
            bv = _mm256_loadu_si256((const __m256i *)t);
        }
        for (int c = 0; c < NC; c++) store8(out + (int64_t)c * rows + r, _mm256_add_epi32(acc[b][c], bv), n, !first);
    }
}

#define AVX2_COLS(MB, NCV)                                                                                   \
    switch (NCV) {                                                                                           \
    case 1: avx2_tile(pw, rbStride, MB, xs, 1, q0, nq, first, bias, rows, rb * 8, oc); break;                \
    case 2: avx2_tile(pw, rbStride, MB, xs, 2, q0, nq, first, bias, rows, rb * 8, oc); break;                \
    case 3: avx2_tile(pw, rbStride, MB, xs, 3, q0, nq, first, bias, rows, rb * 8, oc); break;                \
    default: avx2_tile(pw, rbStride, MB, xs, 4, q0, nq, first, bias, rows, rb * 8, oc); break;               \
    }

AVX2 void ledge_gemm_avx2(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                          const int32_t *bias, int32_t *out) {
    const int32_t np = LEDGE_CEIL(depth, 2), nrb = LEDGE_CEIL(rows, 8);
    const int64_t rbStride = (int64_t)np * 16;
    int16_t xs[AVX2_NC * (AVX2_KB + 2)] __attribute__((aligned(32)));
    for (int32_t c0 = 0; c0 < cols; c0 += AVX2_NC) {
        const int nc = cols - c0 < AVX2_NC ? cols - c0 : AVX2_NC;
        int32_t *oc = out + (int64_t)c0 * rows;
        for (int32_t k0 = 0; k0 < depth; k0 += AVX2_KB) {
            const int32_t kn = depth - k0 < AVX2_KB ? depth - k0 : AVX2_KB;
            for (int c = 0; c < nc; c++) widen(x + (int64_t)(c0 + c) * ldx + k0, kn, xs + c * (AVX2_KB + 2));
            const int32_t q0 = k0 / 2, nq = LEDGE_CEIL(kn, 2);
            const int first = k0 == 0;
            int32_t rb = 0;
            for (; rb + 2 <= nrb; rb += 2) {
                const int16_t *pw = (const int16_t *)packed + rb * rbStride;
                AVX2_COLS(2, nc)
            }
            if (rb < nrb) {
                const int16_t *pw = (const int16_t *)packed + rb * rbStride;
                AVX2_COLS(1, nc)
            }
        }
    }
}

/* ---------------------------------------------------------------- AVX-512 VNNI */

void ledge_pack_vnni(const int8_t *w, int32_t rows, int32_t depth, void *packed) {
    const int32_t nq = LEDGE_CEIL(depth, 4), nrb = LEDGE_CEIL(rows, 16);
    uint8_t *p = (uint8_t *)packed;
    for (int32_t rb = 0; rb < nrb; rb++)
        for (int32_t q = 0; q < nq; q++)
            for (int32_t i = 0; i < 16; i++)
                for (int32_t j = 0; j < 4; j++) {
                    int32_t r = rb * 16 + i, k = q * 4 + j;
                    *p++ = (r < rows && k < depth) ? (uint8_t)((int32_t)w[(int64_t)r * depth + k] + 128) : 0;
                }
}

#define VNNI_NC 8

/* sum(x[0..n)) with vpdpbusd against ones, 64 bytes a step; the tail is a masked load (never reads past n). */
INLINE VNNI int32_t column_sum(const int8_t *x, int32_t n) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i s = _mm512_setzero_si512();
    int32_t k = 0;
    for (; k + 64 <= n; k += 64) s = _mm512_dpbusd_epi32(s, ones, _mm512_loadu_si512((const void *)(x + k)));
    if (k < n) {
        __mmask64 m = (__mmask64)(~0ull >> (64 - (n - k)));
        s = _mm512_dpbusd_epi32(s, ones, _mm512_maskz_loadu_epi8(m, x + k));
    }
    return _mm512_reduce_add_epi32(s);
}

/* MB 16-row blocks x NC columns over the whole depth; x columns at stride `depth`. */
INLINE VNNI void vnni_tile(const uint8_t *pw, int64_t rbStride, const int MB, const int8_t *x, int64_t ldx, int32_t depth,
                           const int NC, const int32_t *corr, const int32_t *bias, int32_t rows, int32_t r0,
                           int32_t *out) {
    const int32_t nqf = depth >> 2, tail = depth & 3;
    __m512i acc[4][VNNI_NC];
    for (int b = 0; b < MB; b++)
        for (int c = 0; c < NC; c++) acc[b][c] = _mm512_setzero_si512();
    const int8_t *xp[VNNI_NC];
    for (int c = 0; c < NC; c++) xp[c] = x + (int64_t)c * ldx;
    const uint8_t *wp = pw;
    for (int32_t q = 0; q < nqf; q++, wp += 64) {
        __m512i wv[4];
        for (int b = 0; b < MB; b++) wv[b] = _mm512_load_si512((const void *)(wp + b * rbStride));
        for (int c = 0; c < NC; c++) {
            __m512i xb = _mm512_set1_epi32(load32(xp[c] + 4 * q));
            for (int b = 0; b < MB; b++) acc[b][c] = _mm512_dpbusd_epi32(acc[b][c], wv[b], xb);
        }
    }
    if (tail) {
        __m512i wv[4];
        for (int b = 0; b < MB; b++) wv[b] = _mm512_load_si512((const void *)(pw + b * rbStride + (int64_t)nqf * 64));
        for (int c = 0; c < NC; c++) {
            __m512i xb = _mm512_set1_epi32(load_tail(x + (int64_t)c * ldx + 4 * nqf, tail));
            for (int b = 0; b < MB; b++) acc[b][c] = _mm512_dpbusd_epi32(acc[b][c], wv[b], xb);
        }
    }
    for (int b = 0; b < MB; b++) {
        int32_t r = r0 + 16 * b;
        if (r >= rows) break;
        int32_t n = rows - r < 16 ? rows - r : 16;
        __mmask16 m = (__mmask16)(n == 16 ? 0xFFFF : ((1u << n) - 1));
        __m512i bv = bias ? _mm512_maskz_loadu_epi32(m, bias + r) : _mm512_setzero_si512();
        for (int c = 0; c < NC; c++) {
            __m512i v = _mm512_sub_epi32(_mm512_add_epi32(acc[b][c], bv), _mm512_set1_epi32(corr[c]));
            _mm512_mask_storeu_epi32(out + (int64_t)c * rows + r, m, v);
        }
    }
}

#define VNNI_COLS(MB, NCV)                                                                                 \
    switch (NCV) {                                                                                         \
    case 1: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 1, corr, bias, rows, rb * 16, oc); break;               \
    case 2: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 2, corr, bias, rows, rb * 16, oc); break;               \
    case 3: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 3, corr, bias, rows, rb * 16, oc); break;               \
    case 4: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 4, corr, bias, rows, rb * 16, oc); break;               \
    case 5: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 5, corr, bias, rows, rb * 16, oc); break;               \
    case 6: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 6, corr, bias, rows, rb * 16, oc); break;               \
    case 7: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 7, corr, bias, rows, rb * 16, oc); break;               \
    default: vnni_tile(pw, rbStride, MB, xt, ldx, depth, 8, corr, bias, rows, rb * 16, oc); break;              \
    }

VNNI void ledge_gemm_vnni(const void *packed, const int8_t *x, int64_t ldx, int32_t rows, int32_t depth, int32_t cols,
                          const int32_t *bias, int32_t *out) {
    const int32_t nq = LEDGE_CEIL(depth, 4), nrb = LEDGE_CEIL(rows, 16);
    const int64_t rbStride = (int64_t)nq * 64;
    const uint8_t *base = (const uint8_t *)packed;
    for (int32_t c0 = 0; c0 < cols; c0 += VNNI_NC) {
        const int nc = cols - c0 < VNNI_NC ? cols - c0 : VNNI_NC;
        const int8_t *xt = x + (int64_t)c0 * ldx;
        int32_t *oc = out + (int64_t)c0 * rows;
        int32_t corr[VNNI_NC];
        for (int c = 0; c < nc; c++) corr[c] = (int32_t)(128u * (uint32_t)column_sum(xt + (int64_t)c * ldx, depth));
        int32_t rb = 0;
        if (nc <= 2) {
            for (; rb + 4 <= nrb; rb += 4) {
                const uint8_t *pw = base + rb * rbStride;
                if (nc == 1) vnni_tile(pw, rbStride, 4, xt, ldx, depth, 1, corr, bias, rows, rb * 16, oc);
                else vnni_tile(pw, rbStride, 4, xt, ldx, depth, 2, corr, bias, rows, rb * 16, oc);
            }
        }
        for (; rb + 2 <= nrb; rb += 2) {
            const uint8_t *pw = base + rb * rbStride;
            VNNI_COLS(2, nc)
        }
        if (rb < nrb) {
            const uint8_t *pw = base + rb * rbStride;
            VNNI_COLS(1, nc)
        }
    }
}
#endif

#if defined(__x86_64__)
/* ---------------------------------------------------------------- peak probes */

/* 12 independent vpdpbusd zmm chains, `iterations` times: returns the int8 MACs done (64 per instruction). */
VNNI uint64_t ledge_peak_probe_vnni(uint64_t iterations) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m512i a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2);
    for (uint64_t i = 0; i < iterations; i++) {
        a0 = _mm512_dpbusd_epi32(a0, u, s); a1 = _mm512_dpbusd_epi32(a1, u, s); a2 = _mm512_dpbusd_epi32(a2, u, s);
        a3 = _mm512_dpbusd_epi32(a3, u, s); a4 = _mm512_dpbusd_epi32(a4, u, s); a5 = _mm512_dpbusd_epi32(a5, u, s);
        a6 = _mm512_dpbusd_epi32(a6, u, s); a7 = _mm512_dpbusd_epi32(a7, u, s); a8 = _mm512_dpbusd_epi32(a8, u, s);
        a9 = _mm512_dpbusd_epi32(a9, u, s); a10 = _mm512_dpbusd_epi32(a10, u, s); a11 = _mm512_dpbusd_epi32(a11, u, s);
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));
        __asm__ volatile("" : "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
    }
    volatile int32_t sink = _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), a11));
    (void)sink;
    return iterations * 12 * 64;
}

/* 6 independent vpmaddwd + vpaddd chains: 16 MACs per vpmaddwd. The multiplicands pass through empty asm
   each iteration so the compiler can neither hoist nor merge the products. */
AVX2 uint64_t ledge_peak_probe_avx2(uint64_t iterations) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m256i u = _mm256_set1_epi16(3), s0 = _mm256_set1_epi16(-2), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
    for (uint64_t i = 0; i < iterations; i++) {
        __asm__ volatile("" : "+x"(s0), "+x"(s1), "+x"(s2), "+x"(s3), "+x"(s4), "+x"(s5), "+x"(u));
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(u, s0)); a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(u, s1));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(u, s2)); a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(u, s3));
        a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(u, s4)); a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(u, s5));
    }
    int32_t t[8];
    _mm256_storeu_si256((__m256i *)t, _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(_mm256_add_epi32(a2, a3), _mm256_add_epi32(a4, a5))));
    volatile int32_t sink = t[0];
    (void)sink;
    return iterations * 6 * 16;
}
#endif

#if defined(__x86_64__)
/* ---------------------------------------------------------------- AVX-512 requantization */

/* Per 16 channels, the constants of MultiplyByQuantizedMultiplier, computed once per channel chunk; each
   64-bit constant in an even (e) and an odd (o) lane version. */
typedef struct {
    __m512i left;          /* 32-bit left shifts (double rounding) */
    int any_left;
    __m512i me, mo;        /* multipliers in the low half of each 64-bit lane */
    __m512i adde, addo;    /* rounding terms added to the 64-bit product */
    __m512i sube, subo;    /* subtracted when the product is below −2^30 (double rounding) */
    __m512i she, sho;      /* total right shifts */
} rq16;

/* Double rounding in one 64-bit step. With p = (x << left)·m, SaturatingRoundingDoublingHighMul is
   h = floor((p + 2^30) / 2^31) for every p (its nudge ±2^30 and truncating division collapse to that), and
   RoundingDivideByPOT(h, r) = floor((h + 2^(r−1) − [h < 0]) / 2^r) for r ≥ 1 (h itself for r = 0). Nested
   floors of divisions by powers of two compose, and h < 0 exactly when p < −2^30, so the result is
   floor((p + 2^30 + 2^(30+r) − [p < −2^30]·2^31) / 2^(31+r)): no intermediate rounding is lost, and the
   sum stays within 64 bits (|p| < 2^62). The saturating case x = m = INT32_MIN cannot occur: multipliers
   from QuantizeMultiplier are ≥ 0. Single rounding: (x·m + 2^(t−1)) >> t with t = 31 − shift. */
INLINE VNNI rq16 rq16_load(const int32_t *mult, const int32_t *shift, __mmask16 k, int single) {
    rq16 q;
    const __m512i zero = _mm512_setzero_si512(), lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
    const __m512i one64 = _mm512_set1_epi64(1);
    const __m512i s = _mm512_maskz_loadu_epi32(k, shift), m = _mm512_maskz_loadu_epi32(k, mult);
    q.me = m;
    q.mo = _mm512_srli_epi64(m, 32);
    if (single) {
        q.left = zero; q.any_left = 0;
        const __m512i t = _mm512_sub_epi32(_mm512_set1_epi32(31), s);
        q.she = _mm512_and_si512(t, lo32);
        q.sho = _mm512_srli_epi64(t, 32);
        q.adde = _mm512_sllv_epi64(one64, _mm512_sub_epi64(q.she, one64));
        q.addo = _mm512_sllv_epi64(one64, _mm512_sub_epi64(q.sho, one64));
        q.sube = q.subo = zero;
        return q;
    }
    q.left = _mm512_max_epi32(s, zero);
    q.any_left = _mm512_cmpgt_epi32_mask(s, zero) != 0;
    const __m512i r = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
    const __m512i re = _mm512_and_si512(r, lo32), ro = _mm512_srli_epi64(r, 32);
    const __m512i b30 = _mm512_set1_epi64((int64_t)1 << 30), b31 = _mm512_set1_epi64((int64_t)1 << 31);
    const __mmask8 pe = _mm512_cmpgt_epi64_mask(re, zero), po = _mm512_cmpgt_epi64_mask(ro, zero);
    q.adde = _mm512_mask_add_epi64(b30, pe, b30, _mm512_sllv_epi64(b30, re));
    q.addo = _mm512_mask_add_epi64(b30, po, b30, _mm512_sllv_epi64(b30, ro));
    q.sube = _mm512_maskz_mov_epi64(pe, b31);
    q.subo = _mm512_maskz_mov_epi64(po, b31);
    q.she = _mm512_add_epi64(re, _mm512_set1_epi64(31));
    q.sho = _mm512_add_epi64(ro, _mm512_set1_epi64(31));
    return q;
}

INLINE VNNI __m512i mbqm_double16(__m512i x, const rq16 *q) {
    const __m512i lim = _mm512_set1_epi64(-((int64_t)1 << 30));
    if (q->any_left) x = _mm512_sllv_epi32(x, q->left);
    __m512i pe = _mm512_mul_epi32(x, q->me);
    __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->mo);
    const __mmask8 ne = _mm512_cmplt_epi64_mask(pe, lim), no = _mm512_cmplt_epi64_mask(po, lim);
    pe = _mm512_mask_sub_epi64(_mm512_add_epi64(pe, q->adde), ne, _mm512_add_epi64(pe, q->adde), q->sube);
    po = _mm512_mask_sub_epi64(_mm512_add_epi64(po, q->addo), no, _mm512_add_epi64(po, q->addo), q->subo);
    pe = _mm512_srav_epi64(pe, q->she);
    po = _mm512_srav_epi64(po, q->sho);
    return _mm512_mask_blend_epi32((__mmask16)0xAAAA, pe, _mm512_slli_epi64(po, 32));
}

INLINE VNNI __m512i mbqm_single16(__m512i x, const rq16 *q) {
    __m512i pe = _mm512_mul_epi32(x, q->me);
    __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->mo);
    pe = _mm512_srav_epi64(_mm512_add_epi64(pe, q->adde), q->she);
    po = _mm512_srav_epi64(_mm512_add_epi64(po, q->addo), q->sho);
    return _mm512_mask_blend_epi32((__mmask16)0xAAAA, pe, _mm512_slli_epi64(po, 32));
}

VNNI void ledge_requantize_avx512(const int32_t *acc, int64_t count, int32_t channels, const int32_t *mult,
                                  const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int single, int8_t *out) {
    const __m512i vzp = _mm512_set1_epi32(zp), vlo = _mm512_set1_epi32(lo), vhi = _mm512_set1_epi32(hi);
    const int64_t pixels = count / channels;
    for (int32_t c = 0; c < channels; c += 16) {
        const int32_t n = channels - c < 16 ? channels - c : 16;
        const __mmask16 k = (__mmask16)(n == 16 ? 0xFFFF : ((1u << n) - 1));
        const rq16 q = rq16_load(mult + c, shift + c, k, single);
        const int32_t *a = acc + c;
        int8_t *o = out + c;
        if (single) {
            for (int64_t i = 0; i < pixels; i++, a += channels, o += channels) {
                __m512i v = mbqm_single16(_mm512_maskz_loadu_epi32(k, a), &q);
                v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, vzp), vlo), vhi);
                _mm_mask_storeu_epi8(o, k, _mm512_cvtepi32_epi8(v));
            }
        } else {
            for (int64_t i = 0; i < pixels; i++, a += channels, o += channels) {
                __m512i v = mbqm_double16(_mm512_maskz_loadu_epi32(k, a), &q);
                v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, vzp), vlo), vhi);
                _mm_mask_storeu_epi8(o, k, _mm512_cvtepi32_epi8(v));
            }
        }
    }
    /* A partial last pixel (count not a multiple of channels) goes through the scalar loop. */
    if (pixels * channels < count)
        ledge_requantize_scalar(acc + pixels * channels, count - pixels * channels, channels, mult, shift, zp, lo, hi,
                                single, out + pixels * channels);
}
#endif
