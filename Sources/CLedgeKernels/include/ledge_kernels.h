// CLedgeKernels: int8 inner loops with SIMD intrinsics, chosen at run time from the CPU's features.
#ifndef LEDGE_KERNELS_H
#define LEDGE_KERNELS_H
#include <stdint.h>

/// Names the kernel path this CPU uses ("portable", "avx2", "avx512vnni", "neon", "neondot").
const char *ledge_kernels_path(void);

#endif
