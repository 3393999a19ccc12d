/* Hostile: publishes to the node's own topics and outside its allow list. Verdict: publish denied. */
#include "ledge.h"
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    return ledge_publish("ledge/v1/nodes/x/desired", 24, "{}", 2, 1);
}
