// Driver for the Embedded Swift kernel fannkuch.swift: reads n from argv[1] (default 10), prints the checksum.
#include "bench.h"

uint32_t fannkuch_kernel(int32_t n);

int main(int argc, char **argv) {
    int n = bench_scale(argc, argv, 10);
    if (n < 3 || n > 12) { printf("fannkuch: n must be within 3...12\n"); return 1; }
    bench_report("fannkuch", fannkuch_kernel(n));
    return 0;
}
