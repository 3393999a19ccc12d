// Bench: recursive quicksort (median of three, insertion sort below 16) of pseudo-random int32, repeated;
// checksum over the sorted arrays. argv[1] = element count in thousands (default 300).
#include "bench.h"

static void insertion(int32_t *v, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
        int32_t x = v[i];
        int j = i - 1;
        while (j >= lo && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

static void swap(int32_t *v, int i, int j) { int32_t t = v[i]; v[i] = v[j]; v[j] = t; }

static void quicksort(int32_t *v, int lo, int hi) {
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(v, mid, lo);
        if (v[hi] < v[lo]) swap(v, hi, lo);
        if (v[hi] < v[mid]) swap(v, hi, mid);
        int32_t pivot = v[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) { swap(v, i, j); i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(v, lo, j); lo = i; }
        else { quicksort(v, i, hi); hi = j; }
    }
    insertion(v, lo, hi);
}

int main(int argc, char **argv) {
    int n = bench_scale(argc, argv, 300) * 1000;
    int32_t *v = malloc(sizeof(int32_t) * n);
    if (!v) return 1;
    uint32_t h = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < n; i++) v[i] = (int32_t)bench_next();
        quicksort(v, 0, n - 1);
        for (int i = 1; i < n; i++) if (v[i - 1] > v[i]) { printf("quicksort: not sorted\n"); return 2; }
        for (int i = 0; i < n; i += 7) h = bench_mix(h, (uint32_t)v[i]);
    }
    bench_report("quicksort", h);
    free(v);
    return 0;
}
