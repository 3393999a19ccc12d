/* Hostile: never returns (infinite loop). Verdict: out of fuel, or deadline exceeded. */
#include "ledge.h"
volatile int sink;
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    for (;;) sink++;
}
