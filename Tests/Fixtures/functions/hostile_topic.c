/* Hostile: publishes where it may not. Event {"which":0}: the node's own desired-state topic (never
 * writable by a function); {"which":1}: a topic outside its allow_publish. Verdict: publish denied. */
#include "ledge.h"
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    double which = 0;
    ledge_json_number(p, pl, "which", 5, &which);
    if (which == 0) return ledge_publish("ledge/v1/nodes/x/desired", 24, "{}", 2, 1);
    return ledge_publish("plant/other/cmd", 15, "{}", 2, 1);
}
