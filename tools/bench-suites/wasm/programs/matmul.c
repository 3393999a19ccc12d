// Bench: integer matrix multiply C = A x B (N x N, int32, wrapping), repeated; checksum over C.
// argv[1] = N (default 160).
#include "bench.h"

int main(int argc, char **argv) {
    int n = bench_scale(argc, argv, 160);
    int32_t *a = malloc(sizeof(int32_t) * n * n);
    int32_t *b = malloc(sizeof(int32_t) * n * n);
    int32_t *c = malloc(sizeof(int32_t) * n * n);
    if (!a || !b || !c) return 1;
    for (int i = 0; i < n * n; i++) {
        a[i] = (int32_t)(bench_next() % 2001) - 1000;
        b[i] = (int32_t)(bench_next() % 2001) - 1000;
    }
    uint32_t h = 0;
    for (int rep = 0; rep < 2; rep++) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) c[i * n + j] = 0;
            for (int k = 0; k < n; k++) {
                int32_t aik = a[i * n + k];
                const int32_t *brow = b + k * n;
                int32_t *crow = c + i * n;
                for (int j = 0; j < n; j++) crow[j] += aik * brow[j];
            }
        }
        for (int i = 0; i < n * n; i++) h = bench_mix(h, (uint32_t)c[i]);
        a[rep] ^= (int32_t)h;
    }
    bench_report("matmul", h);
    free(a); free(b); free(c);
    return 0;
}
