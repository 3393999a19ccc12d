// WASI fixture: file access is not offered; fopen must fail cleanly (no preopens, errno set), not trap.
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("/etc/passwd", "r");
    if (f) { puts("opened?!"); return 1; }
    printf("fopen failed errno=%d\n", errno);
    return 0;
}
