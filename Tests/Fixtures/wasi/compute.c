// WASI fixture: a CPU-bound program (sorting, hashing, floating point, malloc) whose output must be the
// same compiled natively and to wasm32-wasi; checks the engine on real compiler output.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t lcg_state = 12345u;
static uint32_t lcg(void) { return lcg_state = lcg_state * 1103515245u + 12345u; }

static int compare(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

int main(void) {
    enum { N = 2000 };
    int32_t *v = malloc(N * sizeof *v);
    if (!v) return 1;
    for (int i = 0; i < N; i++) v[i] = (int32_t)lcg();
    qsort(v, N, sizeof *v, compare);
    int sorted = 1;
    for (int i = 1; i < N; i++) if (v[i - 1] > v[i]) sorted = 0;
    printf("sorted=%d min=%d max=%d median=%d\n", sorted, v[0], v[N - 1], v[N / 2]);
    printf("crc32=%08x\n", crc32((const uint8_t *)v, N * sizeof *v));
    free(v);

    double sum = 0, prod = 1;
    float fsum = 0;
    for (int i = 1; i <= 1000; i++) {
        sum += sqrt((double)i) / (double)i;
        prod *= 1.0 + 1.0 / (i * (double)i);
        fsum += 1.0f / (float)i;
    }
    printf("sum=%.12f prod=%.12f fsum=%.6f\n", sum, prod, fsum);
    printf("trig=%.9f exp=%.9f log=%.9f pow=%.9f\n", sin(1.0) + cos(2.0), exp(1.5), log(10.0), pow(2.0, 0.5));
    printf("conv=%lld %u %d\n", (long long)(1e15 + 0.5), (unsigned)(3.99f), (int)(-2.5));

    char buf[64];
    snprintf(buf, sizeof buf, "%s-%05d-%x", "ledge", 42, 0xbeef);
    printf("str=%s len=%zu\n", buf, strlen(buf));
    int64_t big = 1;
    for (int i = 0; i < 62; i++) big = big * 2 + (i & 1);
    printf("i64=%lld div=%lld rem=%lld\n", (long long)big, (long long)(big / 12345), (long long)(big % 12345));
    return 0;
}
