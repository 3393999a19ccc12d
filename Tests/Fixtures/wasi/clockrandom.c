// WASI fixture: reads the realtime and monotonic clocks and their resolutions, and random bytes.
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec rt, m1, m2, res;
    if (clock_gettime(CLOCK_REALTIME, &rt) != 0) { puts("realtime failed"); return 1; }
    if (clock_gettime(CLOCK_MONOTONIC, &m1) != 0) { puts("monotonic failed"); return 1; }
    volatile unsigned spin = 0;
    for (unsigned i = 0; i < 100000; i++) spin += i;
    if (clock_gettime(CLOCK_MONOTONIC, &m2) != 0) { puts("monotonic failed"); return 1; }
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0) { puts("getres failed"); return 1; }
    long long d = (long long)(m2.tv_sec - m1.tv_sec) * 1000000000LL + (m2.tv_nsec - m1.tv_nsec);
    printf("realtime=%lld\n", (long long)rt.tv_sec);
    printf("monotonic_delta_ok=%d\n", d >= 0);
    printf("res_ns=%lld\n", (long long)res.tv_sec * 1000000000LL + res.tv_nsec);
    unsigned char a[32], b[32];
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) { puts("getentropy failed"); return 1; }
    int same = 1;
    for (int i = 0; i < 32; i++) { if (a[i] != b[i]) same = 0; }
    printf("random_differs=%d\n", !same);
    printf("random_hex=");
    for (int i = 0; i < 8; i++) printf("%02x", a[i]);
    printf("\n");
    return 0;
}
