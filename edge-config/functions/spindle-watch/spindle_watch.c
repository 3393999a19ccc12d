/* spindle-watch: a Ledge function in C (worked example of the C SDK).
 *
 * Watches machine telemetry {"torque":…, "rpm":…, "tool_wear":…} on plant/<site>/machine/<id>/telemetry.
 * Keeps an exponentially weighted mean of mechanical power (torque × rpm) per machine in the key-value
 * store, and publishes plant/<site>/machine/<id>/power {"power_w":…,"ewma_w":…} for every event, plus an
 * alarm when power leaves ±`band` (a setting, default 0.25 = 25 %) of its running mean or tool wear exceeds
 * `max_wear` minutes. Logs through stdout (WASI) and ledge_log.
 */
#include <stdio.h>
#include <string.h>
#include "ledge.h"

static double band = 0.25;
static double max_wear = 200;

static double setting(const char *key, double fallback) {
    char buf[32];
    int32_t n = ledge_config(key, (int32_t)strlen(key), buf, (int32_t)sizeof buf - 1);
    if (n <= 0) return fallback;
    buf[n] = 0;
    double v;
    return sscanf(buf, "%lf", &v) == 1 ? v : fallback;
}

__attribute__((export_name("ledge_init"))) int32_t ledge_init(void) {
    band = setting("band", band);
    max_wear = setting("max_wear", max_wear);
    printf("spindle-watch ready: band %.2f, max_wear %.0f\n", band, max_wear);
    return LEDGE_OK;
}

/* The machine id: the 4th topic level (plant/<site>/machine/<id>/telemetry). */
static int level(const char *topic, int32_t len, int which, const char **start, int *n) {
    int lv = 0, s = 0;
    for (int i = 0; i <= len; i++) {
        if (i == len || topic[i] == '/') {
            if (lv == which) { *start = topic + s; *n = i - s; return 1; }
            lv++; s = i + 1;
        }
    }
    return 0;
}

__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *topic, int32_t topic_len, const char *payload, int32_t payload_len) {
    double torque, rpm, wear = 0;
    if (ledge_json_number(payload, payload_len, "torque", 6, &torque) != LEDGE_OK ||
        ledge_json_number(payload, payload_len, "rpm", 3, &rpm) != LEDGE_OK) {
        static const char msg[] = "event without torque and rpm";
        ledge_log(LEDGE_LOG_WARN, msg, sizeof msg - 1);
        return LEDGE_E_INVALID;
    }
    ledge_json_number(payload, payload_len, "tool_wear", 9, &wear);
    const char *site, *id;
    int site_n, id_n;
    if (!level(topic, topic_len, 1, &site, &site_n) || !level(topic, topic_len, 3, &id, &id_n)) return LEDGE_E_INVALID;

    double power = torque * rpm * 2.0 * 3.14159265358979 / 60.0; /* watts */
    char key[80];
    int key_n = snprintf(key, sizeof key, "ewma/%.*s", id_n, id);
    double ewma = power;
    int32_t got = ledge_kv_get(key, key_n, &ewma, sizeof ewma);
    if (got == (int32_t)sizeof ewma) ewma = 0.9 * ewma + 0.1 * power;
    else ewma = power;
    if (ledge_kv_set(key, key_n, &ewma, sizeof ewma) < 0) return LEDGE_E_IO;

    char t[160], p[160];
    int tn = snprintf(t, sizeof t, "plant/%.*s/machine/%.*s/power", site_n, site, id_n, id);
    int pn = snprintf(p, sizeof p, "{\"power_w\":%.1f,\"ewma_w\":%.1f}", power, ewma);
    int32_t r = ledge_publish(t, tn, p, pn, 1);
    if (r < 0) return r;

    int off_band = got == (int32_t)sizeof ewma && (power > ewma * (1 + band) || power < ewma * (1 - band));
    if (off_band || wear > max_wear) {
        tn = snprintf(t, sizeof t, "plant/%.*s/machine/%.*s/alarm", site_n, site, id_n, id);
        pn = snprintf(p, sizeof p, "{\"reason\":\"%s\",\"power_w\":%.1f,\"ewma_w\":%.1f,\"tool_wear\":%.0f}",
                      wear > max_wear ? "tool_wear" : "power", power, ewma, wear);
        r = ledge_publish(t, tn, p, pn, 1);
        if (r < 0) return r;
    }
    return LEDGE_OK;
}
