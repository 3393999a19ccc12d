// Shared helpers for the Wasm bench programs: the workload scale from argv and a checksum printer.
// Every program prints exactly one line "NAME checksum XXXXXXXX" so runners can compare outputs.
#ifndef LEDGE_BENCH_H
#define LEDGE_BENCH_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline int bench_scale(int argc, char **argv, int fallback) {
    if (argc > 1) {
        int v = atoi(argv[1]);
        if (v > 0) return v;
    }
    return fallback;
}

static inline uint32_t bench_mix(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static inline void bench_report(const char *name, uint32_t checksum) {
    printf("%s checksum %08x\n", name, checksum);
}

static uint32_t bench_rng = 2463534242u;
static inline uint32_t bench_next(void) {
    uint32_t x = bench_rng;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return bench_rng = x;
}
#endif
