/* The "empty" function of the node benchmark: publishes each event's payload unchanged to bench/out. */
#include "ledge.h"

__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *topic, int32_t topic_len, const char *payload, int32_t payload_len) {
    (void)topic; (void)topic_len;
    return ledge_publish("bench/out", 9, payload, payload_len, 1);
}
