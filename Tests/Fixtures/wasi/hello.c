// WASI fixture: prints through printf (stdout) and fputs (stderr), then returns 0 from main.
#include <stdio.h>

int main(void) {
    printf("hello, %s %d\n", "wasi", 42);
    fputs("to stderr\n", stderr);
    return 0;
}
