// WASI fixture: prints a line, then ends with exit(3); the line after it must never print.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    printf("before exit\n");
    fflush(stdout);
    exit(3);
    printf("after exit\n");
    return 0;
}
