/* A well-behaved function: echoes the event's "n" on out/echo with how many events it has seen, a count
 * kept in its KV namespace (so it survives instance replacement and node restarts). Logs through stdio. */
#include "ledge.h"
#include <stdio.h>
#include <string.h>

__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *topic, int32_t topic_len, const char *payload, int32_t payload_len) {
    double n;
    if (ledge_json_number(payload, payload_len, "n", 1, &n) != LEDGE_OK) return LEDGE_E_INVALID;
    int64_t count = 0;
    int32_t got = ledge_kv_get("count", 5, &count, sizeof count);
    if (got != sizeof count) count = 0;
    count++;
    if (ledge_kv_set("count", 5, &count, sizeof count) != LEDGE_OK) return LEDGE_E_IO;
    char out[96];
    int len = snprintf(out, sizeof out, "{\"n\":%.0f,\"count\":%lld}", n, (long long)count);
    printf("echo n=%.0f\n", n);
    fflush(stdout);
    return ledge_publish("out/echo", 8, out, len, 1);
}
