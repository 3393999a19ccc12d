// x86-64 int8 GEMM paths: AVX2 (vpmovsxbw + vpmaddwd) and AVX-512 VNNI (vpdpbusd on 256-bit lanes),
// compiled per function with target attributes and chosen at run time by dispatch.c.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static inline int32_t hsum256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/* 4 rows x 2 columns per step: each sign-extended x chunk feeds 4 rows, each w chunk 2 columns. */
__attribute__((target("avx2")))
void ledge_gemm_s8_avx2(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                        const int32_t *bias, int32_t *out) {
    const int32_t kv = depth & ~15;
    int32_t c = 0;
    for (; c + 2 <= cols; c += 2) {
        const int8_t *x0 = x + (int64_t)c * depth, *x1 = x0 + depth;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *w0 = w + (int64_t)r * depth, *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
            __m256i a00 = _mm256_setzero_si256(), a10 = a00, a20 = a00, a30 = a00;
            __m256i a01 = a00, a11 = a00, a21 = a00, a31 = a00;
            for (int32_t k = 0; k < kv; k += 16) {
                __m256i xv0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x0 + k)));
                __m256i xv1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x1 + k)));
                __m256i wv;
                wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w0 + k)));
                a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(wv, xv0));
                a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(wv, xv1));
                wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w1 + k)));
                a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(wv, xv0));
                a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(wv, xv1));
                wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w2 + k)));
                a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(wv, xv0));
                a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(wv, xv1));
                wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w3 + k)));
                a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(wv, xv0));
                a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(wv, xv1));
            }
            uint32_t s[8] = {
                (uint32_t)hsum256(a00), (uint32_t)hsum256(a10), (uint32_t)hsum256(a20), (uint32_t)hsum256(a30),
                (uint32_t)hsum256(a01), (uint32_t)hsum256(a11), (uint32_t)hsum256(a21), (uint32_t)hsum256(a31)};
            for (int32_t k = kv; k < depth; k++) {
                int32_t xa = x0[k], xb = x1[k];
                s[0] += (uint32_t)(w0[k] * xa); s[1] += (uint32_t)(w1[k] * xa);
                s[2] += (uint32_t)(w2[k] * xa); s[3] += (uint32_t)(w3[k] * xa);
                s[4] += (uint32_t)(w0[k] * xb); s[5] += (uint32_t)(w1[k] * xb);
                s[6] += (uint32_t)(w2[k] * xb); s[7] += (uint32_t)(w3[k] * xb);
            }
            for (int j = 0; j < 4; j++) {
                uint32_t b = bias ? (uint32_t)bias[r + j] : 0u;
                out[(int64_t)c * rows + r + j] = (int32_t)(s[j] + b);
                out[(int64_t)(c + 1) * rows + r + j] = (int32_t)(s[4 + j] + b);
            }
        }
        if (r < rows) {
            ledge_gemm_s8_portable(w + (int64_t)r * depth, x0, rows - r, depth, 1, bias ? bias + r : 0,
                                   out + (int64_t)c * rows + r);
            ledge_gemm_s8_portable(w + (int64_t)r * depth, x1, rows - r, depth, 1, bias ? bias + r : 0,
                                   out + (int64_t)(c + 1) * rows + r);
        }
    }
    for (; c < cols; c++) {
        const int8_t *x0 = x + (int64_t)c * depth;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *w0 = w + (int64_t)r * depth, *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
            for (int32_t k = 0; k < kv; k += 16) {
                __m256i xv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x0 + k)));
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w0 + k))), xv));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w1 + k))), xv));
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w2 + k))), xv));
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w3 + k))), xv));
            }
            uint32_t s[4] = {(uint32_t)hsum256(a0), (uint32_t)hsum256(a1), (uint32_t)hsum256(a2), (uint32_t)hsum256(a3)};
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

/* VNNI: vpdpbusd multiplies unsigned by signed bytes. Weights are flipped to unsigned on the fly
   (w ^ 0x80 = w + 128), so sum((w+128)·x) = sum(w·x) + 128·sum(x); sum(x) is taken once per column. */
__attribute__((target("avx512vnni,avx512vl,avx512bw,avx2")))
void ledge_gemm_s8_avx512vnni(const int8_t *w, const int8_t *x, int32_t rows, int32_t depth, int32_t cols,
                              const int32_t *bias, int32_t *out) {
    const int32_t kv = depth & ~31;
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    for (int32_t c = 0; c < cols; c++) {
        const int8_t *x0 = x + (int64_t)c * depth;
        uint32_t xsum = 0;
        for (int32_t k = 0; k < kv; k++) xsum += (uint32_t)(int32_t)x0[k];
        const uint32_t corr = 128u * xsum;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *w0 = w + (int64_t)r * depth, *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
            for (int32_t k = 0; k < kv; k += 32) {
                __m256i xv = _mm256_loadu_si256((const __m256i *)(x0 + k));
                a0 = _mm256_dpbusd_epi32(a0, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w0 + k)), flip), xv);
                a1 = _mm256_dpbusd_epi32(a1, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w1 + k)), flip), xv);
                a2 = _mm256_dpbusd_epi32(a2, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w2 + k)), flip), xv);
                a3 = _mm256_dpbusd_epi32(a3, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w3 + k)), flip), xv);
            }
            uint32_t s[4] = {(uint32_t)hsum256(a0) - corr, (uint32_t)hsum256(a1) - corr,
                             (uint32_t)hsum256(a2) - corr, (uint32_t)hsum256(a3) - corr};
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
