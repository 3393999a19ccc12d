// WASI fixture: echoes argc/argv and the LEDGE_* environment variables, one per line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    int count = 0;
    for (char **e = environ; e && *e; e++) {
        count++;
        if (strncmp(*e, "LEDGE_", 6) == 0) printf("env %s\n", *e);
    }
    printf("envc=%d\n", count);
    const char *g = getenv("LEDGE_GREETING");
    printf("getenv=%s\n", g ? g : "(null)");
    return 0;
}
