/* Load generator for the node benchmark. Publishes N JSON events at QoS 1 to IN_TOPIC_PREFIX/<unit>/telemetry,
 * each with a unique "cycle" (1..N) and C-MAPSS-shaped sensor fields, at RATE events/s (0 = as fast as the
 * broker takes them), and subscribes to OUT_FILTER. Every reply must carry "cycle":K; the latency of event K is
 * the time from its publish to the arrival of its reply, on one CLOCK_MONOTONIC. Prints one JSON line:
 * sent, received, distinct, seconds, events_per_s, latency percentiles (ms).
 * Usage: loadgen HOST PORT IN_PREFIX OUT_FILTER N RATE [TIMEOUT_S] */
#include <mosquitto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long n_events;
static uint64_t *sent_at;        /* by cycle-1 */
static uint64_t *latency;        /* by cycle-1, 0 = not received */
static long received, distinct;
static uint64_t last_arrival;

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
    (void)m; (void)obj;
    uint64_t t = now_ns();
    char buf[2048];
    int n = msg->payloadlen < (int)sizeof buf - 1 ? msg->payloadlen : (int)sizeof buf - 1;
    memcpy(buf, msg->payload, (size_t)n);
    buf[n] = 0;
    char *p = strstr(buf, "\"cycle\":");
    received++;
    last_arrival = t;
    if (!p) return;
    long k = strtol(p + 8, NULL, 10);
    if (k < 1 || k > n_events) return;
    if (latency[k - 1] == 0 && sent_at[k - 1] != 0) {
        latency[k - 1] = t - sent_at[k - 1] + 1;
        distinct++;
    }
}

static int subscribed;
static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q) {
    (void)m; (void)obj; (void)mid; (void)n; (void)q;
    subscribed = 1;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: loadgen HOST PORT IN_PREFIX OUT_FILTER N RATE [TIMEOUT_S]\n"); return 2; }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    const char *prefix = argv[3], *out_filter = argv[4];
    n_events = atol(argv[5]);
    double rate = atof(argv[6]);
    double timeout_s = argc > 7 ? atof(argv[7]) : 60;
    sent_at = calloc((size_t)n_events, sizeof *sent_at);
    latency = calloc((size_t)n_events, sizeof *latency);
    if (!sent_at || !latency) return 1;

    mosquitto_lib_init();
    char id[64];
    snprintf(id, sizeof id, "ledge-bench-loadgen-%d", (int)getpid());
    struct mosquitto *m = mosquitto_new(id, true, NULL);
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_subscribe_callback_set(m, on_subscribe);
    if (mosquitto_connect(m, host, port, 30) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "loadgen: cannot connect\n"); return 1; }
    mosquitto_subscribe(m, NULL, out_filter, 1);
    mosquitto_loop_start(m);
    for (int i = 0; i < 500 && !subscribed; i++) { struct timespec d = {0, 10000000}; nanosleep(&d, NULL); }

    char topic[256], payload[1024];
    uint64_t start = now_ns();
    for (long i = 0; i < n_events; i++) {
        if (rate > 0) {
            uint64_t due = start + (uint64_t)((double)i * 1e9 / rate);
            uint64_t t;
            while ((t = now_ns()) < due) {
                uint64_t d = due - t;
                struct timespec ts = {0, (long)(d > 200000 ? 200000 : d)};
                nanosleep(&ts, NULL);
            }
        }
        int unit = (int)(i % 100) + 1;
        snprintf(topic, sizeof topic, "%s/%d/telemetry", prefix, unit);
        int len = snprintf(payload, sizeof payload,
            "{\"unit\":%d,\"cycle\":%ld,\"op1\":-0.0007,\"op2\":-0.0004,\"op3\":100.0,\"s1\":518.67,\"s2\":642.5,"
            "\"s3\":1589.7,\"s4\":1400.6,\"s5\":14.62,\"s6\":21.61,\"s7\":554.36,\"s8\":2388.06,\"s9\":9046.19,"
            "\"s10\":1.3,\"s11\":47.47,\"s12\":521.66,\"s13\":2388.02,\"s14\":8138.62,\"s15\":8.4195,\"s16\":0.03,"
            "\"s17\":392,\"s18\":2388,\"s19\":100.0,\"s20\":39.06,\"s21\":23.419}", unit, i + 1);
        sent_at[i] = now_ns();
        while (mosquitto_publish(m, NULL, topic, len, payload, 1, false) == MOSQ_ERR_NOMEM) {
            struct timespec d = {0, 100000};
            nanosleep(&d, NULL);
        }
    }
    uint64_t sent_done = now_ns();
    uint64_t deadline = sent_done + (uint64_t)(timeout_s * 1e9);
    while (distinct < n_events && now_ns() < deadline) { struct timespec d = {0, 2000000}; nanosleep(&d, NULL); }
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, true);

    uint64_t *lat = malloc((size_t)n_events * sizeof *lat);
    long k = 0;
    for (long i = 0; i < n_events; i++) if (latency[i]) lat[k++] = latency[i] - 1;
    qsort(lat, (size_t)k, sizeof *lat, cmp_u64);
    double secs = (double)((last_arrival > start ? last_arrival : sent_done) - start) / 1e9;
#define PCT(p) (k ? (double)lat[(long)((p) * (double)(k - 1))] / 1e6 : -1.0)
    printf("{\"sent\":%ld,\"received\":%ld,\"distinct\":%ld,\"seconds\":%.4f,\"events_per_s\":%.1f,"
           "\"offered_rate\":%.1f,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}}\n",
           n_events, received, distinct, secs, distinct / secs, rate, PCT(0.5), PCT(0.99), PCT(0.999), PCT(1.0));
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return distinct == n_events ? 0 : 1;
}
