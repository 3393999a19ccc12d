/* swap_probe.c: a function for the hot-swap test. Each event {"seq":N} runs model "cmapss-rul" on a fixed
 * input and publishes {"seq":N,"y":Y} (Y = output × 10^6, an integer) on hs/out, so the test can tell which
 * model version served each event, and whether any event was lost or reordered. No libc. */
#include <stdint.h>
#define IMPORT(n) __attribute__((import_module("ledge"), import_name(#n)))
IMPORT(publish) int32_t ledge_publish(const char *t, int32_t tl, const void *p, int32_t pl, int32_t qos);
IMPORT(infer) int32_t ledge_infer(const char *m, int32_t ml, const float *in, int32_t n, float *out, int32_t cap);
IMPORT(json_number) int32_t ledge_json_number(const void *j, int32_t jl, const char *k, int32_t kl, double *out);

static unsigned char heap[8192];
static int32_t used;
static float in[420];
static float out[4];
static char buf[64];

__attribute__((export_name("ledge_alloc"))) int32_t ledge_alloc(int32_t n) {
    if (used + n > (int32_t)sizeof heap) return 0;
    int32_t p = (int32_t)(uintptr_t)(heap + used);
    used += (n + 15) & ~15;
    return p;
}

__attribute__((export_name("ledge_init"))) int32_t ledge_init(void) {
    for (int i = 0; i < 420; i++) in[i] = 0.25f * (float)((i % 9) - 4);
    return 0;
}

static int put(char *b, int at, int64_t v) {
    char tmp[24];
    int n = 0;
    if (v < 0) { b[at++] = '-'; v = -v; }
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) b[at++] = tmp[--n];
    return at;
}

__attribute__((export_name("ledge_on_event"))) int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    double seq;
    if (ledge_json_number(p, pl, "seq", 3, &seq) < 0) return -1;
    int32_t n = ledge_infer("cmapss-rul", 10, in, 420, out, 4);
    if (n < 1) return n < 0 ? n : -2;
    int at = 0;
    const char *a = "{\"seq\":";
    while (*a) buf[at++] = *a++;
    at = put(buf, at, (int64_t)seq);
    const char *b = ",\"y\":";
    while (*b) buf[at++] = *b++;
    at = put(buf, at, (int64_t)(out[0] * 1000000.0f));
    buf[at++] = '}';
    return ledge_publish("hs/out", 6, buf, at, 1);
}
