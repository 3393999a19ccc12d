/* Hostile: publishes without end. Verdict: publish limit. */
#include "ledge.h"
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    for (;;) ledge_publish("out/flood", 9, "x", 1, 0);
}
