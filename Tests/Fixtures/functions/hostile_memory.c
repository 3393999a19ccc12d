/* Hostile: grows memory until the host says no, then touches the last page. Verdict: memory limit. */
#include "ledge.h"
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    for (;;) {
        int before = __builtin_wasm_memory_grow(0, 16);
        if (before < 0) return LEDGE_E_LIMIT; /* only reached if the host returns -1 instead of trapping */
        ((volatile char *)0)[(before + 16) * 65536 - 1] = 1;
    }
}
