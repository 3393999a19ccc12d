// Stand-alone check of CLedgeKernels: every path this CPU runs against the portable C reference on
// seeded random and extreme inputs, odd sizes included, with the activations placed right before an
// unreadable page so an over-read faults. Built natively and for aarch64 (run under qemu-aarch64) by
// tools/tests/neon-kernels.sh. Usage: kernel_check [--expect PATH...]  (fails if an expected path is missing)
#include "ledge_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t state = 0x1234567887654321ull;
static uint64_t next(void) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* n bytes whose last byte is followed by a PROT_NONE page. */
static void *guarded(size_t n, void **base, size_t *len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (n + page - 1) / page * page;
    *len = body + page;
    char *p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    mprotect(p + body, page, PROT_NONE);
    *base = p;
    return p + body - n;
}

int main(int argc, char **argv) {
    static const int shapes[][3] = {
        {1, 1, 1}, {1, 3, 1}, {3, 17, 1}, {4, 16, 2}, {5, 33, 3}, {17, 63, 1}, {63, 64, 2}, {8, 1024, 1},
        {37, 300, 5}, {1, 31, 4}, {64, 256, 7}, {16, 4, 8}, {33, 5, 9}, {32, 160, 16}, {64, 240, 1},
        {1, 64, 1}, {100, 1030, 3}, {256, 256, 17}, {3, 2, 13}, {48, 70, 11}};
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    int failures = 0, checks = 0, tested[LEDGE_PATH_COUNT] = {0};
    for (int p = 0; p < LEDGE_PATH_COUNT; p++) {
        if (!ledge_kernels_available(p)) continue;
        tested[p] = 1;
        for (int s = 0; s < nshapes; s++) {
            const int rows = shapes[s][0], depth = shapes[s][1], cols = shapes[s][2];
            for (int mode = 0; mode < 3; mode++) {
                size_t nw = (size_t)rows * depth, nx = (size_t)cols * depth, no = (size_t)rows * cols;
                int8_t *w = malloc(nw);
                int32_t *bias = malloc(sizeof(int32_t) * rows);
                int32_t *ref = malloc(sizeof(int32_t) * no);
                void *xb, *ob; size_t xl, ol;
                int8_t *x = guarded(nx, &xb, &xl);
                int32_t *got = guarded(sizeof(int32_t) * no, &ob, &ol);
                for (size_t i = 0; i < nw; i++)
                    w[i] = mode == 1 ? ((next() & 1) ? 127 : -127) : (int8_t)((int)(next() % 255) - 127);
                for (size_t i = 0; i < nx; i++)
                    x[i] = mode == 1 ? -128 : (mode == 2 ? 127 : (int8_t)next());
                for (int r = 0; r < rows; r++) bias[r] = (int32_t)(next() % 2000001) - 1000000;
                const int32_t *b = mode == 2 ? NULL : bias;
                ledge_gemm_s8_reference(w, x, rows, depth, cols, b, ref);
                ledge_gemm_s8_path(p, w, x, rows, depth, cols, b, got);
                checks++;
                if (memcmp(ref, got, sizeof(int32_t) * no) != 0) {
                    failures++;
                    for (size_t i = 0; i < no; i++)
                        if (ref[i] != got[i]) {
                            fprintf(stderr, "MISMATCH path %s %dx%dx%d mode %d at %zu: expected %d got %d\n",
                                    ledge_kernels_path_name(p), rows, depth, cols, mode, i, ref[i], got[i]);
                            break;
                        }
                }
                free(w); free(bias); free(ref);
                munmap(xb, xl); munmap(ob, ol);
            }
        }
    }
    /* Overlapping columns (ldx < depth), as a 1-D convolution reads its input in place. */
    for (int p = 0; p < LEDGE_PATH_COUNT; p++) {
        if (!ledge_kernels_available(p)) continue;
        static const int lds[][4] = {{32, 160, 30, 32}, {8, 24, 30, 8}, {17, 51, 9, 17}, {5, 15, 40, 3}};
        for (int s = 0; s < 4; s++) {
            const int rows = lds[s][0], depth = lds[s][1], cols = lds[s][2], ldx = lds[s][3];
            size_t nx = (size_t)(cols - 1) * ldx + depth, nw = (size_t)rows * depth, no = (size_t)rows * cols;
            int8_t *w = malloc(nw);
            int32_t *ref = malloc(sizeof(int32_t) * no), *got = malloc(sizeof(int32_t) * no);
            void *xb; size_t xl;
            int8_t *x = guarded(nx, &xb, &xl);
            for (size_t i = 0; i < nw; i++) w[i] = (int8_t)((int)(next() % 255) - 127);
            for (size_t i = 0; i < nx; i++) x[i] = (int8_t)next();
            for (int c = 0; c < cols; c++) ledge_gemm_s8_reference(w, x + (size_t)c * ldx, rows, depth, 1, NULL, ref + (size_t)c * rows);
            size_t n = ledge_pack_size(p, rows, depth);
            void *packed = aligned_alloc(64, n);
            ledge_pack(p, w, rows, depth, packed);
            ledge_gemm_packed(p, packed, x, ldx, rows, depth, cols, NULL, got);
            checks++;
            if (memcmp(ref, got, sizeof(int32_t) * no) != 0) {
                failures++;
                fprintf(stderr, "MISMATCH path %s overlapping %dx%dx%d ldx %d\n", ledge_kernels_path_name(p), rows, depth, cols, ldx);
            }
            free(packed); free(w); free(ref); free(got); munmap(xb, xl);
        }
    }
    /* Requantization on every path against the scalar loop (path 0), both roundings. */
    for (int p = 1; p < LEDGE_PATH_COUNT; p++) {
        if (!ledge_kernels_available(p)) continue;
        for (int single = 0; single < 2; single++) {
            enum { CH = 37, N = 37 * 29 };
            int32_t acc[N], mult[CH], shift[CH];
            int8_t a[N], b[N];
            for (int c = 0; c < CH; c++) {
                mult[c] = (int32_t)((1u << 30) + (uint32_t)(next() % (1u << 30)));
                if (c == 0) mult[c] = 0x7FFFFFFF;
                if (c == 1) mult[c] = 1 << 30;
                shift[c] = (int32_t)(next() % 40) - 31;
                if (shift[c] > 8) shift[c] = 8;
            }
            for (int i = 0; i < N; i++) {
                uint64_t r = next();
                acc[i] = (r & 3) == 0 ? (int32_t)(r >> 32) : (int32_t)((int64_t)(r >> 40) - (1 << 23));
                if (i % 97 == 0) acc[i] = INT32_MIN;
                if (i % 89 == 0) acc[i] = INT32_MAX;
            }
            ledge_requantize(0, acc, N, CH, mult, shift, -5, -128, 127, single, a);
            ledge_requantize(p, acc, N, CH, mult, shift, -5, -128, 127, single, b);
            checks++;
            if (memcmp(a, b, N) != 0) {
                failures++;
                fprintf(stderr, "MISMATCH requantize path %s single %d\n", ledge_kernels_path_name(p), single);
            }
        }
    }
    int missing = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--expect") == 0) continue;
        int found = 0;
        for (int p = 0; p < LEDGE_PATH_COUNT; p++)
            if (strcmp(argv[a], ledge_kernels_path_name(p)) == 0 && tested[p]) found = 1;
        if (!found) { fprintf(stderr, "expected path %s is not available here\n", argv[a]); missing++; }
    }
    printf("kernel_check: best path %s; tested:", ledge_kernels_path_name(ledge_kernels_best()));
    for (int p = 0; p < LEDGE_PATH_COUNT; p++) if (tested[p]) printf(" %s", ledge_kernels_path_name(p));
    printf("\n%d passed, %d failed\n", checks - failures, failures + missing);
    return failures || missing ? 1 : 0;
}
