/* Hostile: unbounded recursion. Verdict: call stack exhausted. */
#include "ledge.h"
__attribute__((noinline)) int deep(volatile int n) { return n == -1 ? 0 : deep(n + 1) + 1; }
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) { return deep(0); }
