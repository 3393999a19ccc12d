// The test executable's malloc family: each function forwards to glibc's __libc_* entry point and, while
// the calling thread has counting on, counts the call. Used to show that inference never allocates.
#include "alloc_counter.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <malloc.h>

#if defined(__linux__) && defined(__GLIBC__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static __thread int counting;
static __thread unsigned long count;
static int seen; /* written with atomics: any thread may allocate */

void alloc_counter_start(void) { count = 0; counting = 1; }
unsigned long alloc_counter_stop(void) { counting = 0; return count; }
int alloc_counter_active(void) {
    __atomic_store_n(&seen, 0, __ATOMIC_RELAXED);
    void *p = malloc(1);
    free(p);
    return __atomic_load_n(&seen, __ATOMIC_RELAXED);
}

#define NOTE() do { __atomic_store_n(&seen, 1, __ATOMIC_RELAXED); if (counting) count++; } while (0)

void *malloc(size_t n) { NOTE(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { NOTE(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { NOTE(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t al, size_t n) { NOTE(); return __libc_memalign(al, n); }
void *aligned_alloc(size_t al, size_t n) { NOTE(); return __libc_memalign(al, n); }
int posix_memalign(void **out, size_t al, size_t n) {
    NOTE();
    if (al < sizeof(void *) || (al & (al - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(al, n);
    if (!p && n) return ENOMEM;
    *out = p;
    return 0;
}
#else
void alloc_counter_start(void) {}
unsigned long alloc_counter_stop(void) { return 0; }
int alloc_counter_active(void) { return 0; }
#endif
