/* A well-behaved function: echoes the event's "n" back on out/echo. */
#include "ledge.h"
#include <stdio.h>

__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *topic, int32_t topic_len, const char *payload, int32_t payload_len) {
    double n;
    if (ledge_json_number(payload, payload_len, "n", 1, &n) != LEDGE_OK) return LEDGE_E_INVALID;
    char out[64];
    int len = snprintf(out, sizeof out, "{\"n\":%.0f}", n);
    return ledge_publish("out/echo", 8, out, len, 1);
}
