/* Hostile: hands the host a pointer outside its memory; which argument of which call is chosen by the
 * event's "call" (0..21). Verdict: out-of-bounds pointer, naming the call and the argument. */
#include "ledge.h"
#define BAD ((void *)0x7ffffff0)
static char buf[16];
static float fbuf[4];
static double d;
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    double which = -1;
    ledge_json_number(p, pl, "call", 4, &which);
    switch ((int)which) {
    case 0: return ledge_publish(BAD, 100, "x", 1, 0);
    case 1: return ledge_publish("out/x", 5, BAD, 100, 0);
    case 2: return ledge_kv_get(BAD, 4, buf, sizeof buf);
    case 3: return ledge_kv_get("k", 1, BAD, 64);
    case 4: return ledge_kv_set(BAD, 1, "v", 1);
    case 5: return ledge_kv_set("k", 1, BAD, 1000);
    case 6: return ledge_kv_delete(BAD, 8);
    case 7: return ledge_infer(BAD, 10, fbuf, 4, fbuf, 4);
    case 8: return ledge_infer("m", 1, BAD, 4, fbuf, 4);
    case 9: return ledge_infer("m", 1, fbuf, 4, BAD, 4);
    case 10: ledge_log(1, BAD, 50); return 0;
    case 11: return ledge_json_number(BAD, 100, "k", 1, &d);
    case 12: return ledge_json_number(p, pl, BAD, 1, &d);
    case 13: return ledge_json_number(p, pl, "call", 4, BAD);
    case 14: return ledge_config(BAD, 3, buf, sizeof buf);
    case 15: return ledge_config("k", 1, BAD, 16);
    case 16: return ledge_model_floats(BAD, 1, "window", 6, fbuf, 4);
    case 17: return ledge_model_floats("m", 1, BAD, 9, fbuf, 4);
    case 18: return ledge_model_floats("m", 1, "window", 6, BAD, 4);
    case 19: return ledge_model_features(BAD, 5, p, pl, fbuf, 4);
    case 20: return ledge_model_features("m", 1, BAD, 100, fbuf, 4);
    case 21: return ledge_model_features("m", 1, p, pl, BAD, 4);
    case 22: return ledge_publish("out/x", 5, "x", 0x7fffffff, 0);      /* length runs past the end */
    case 23: return ledge_kv_set("k", -1, "v", 1);                      /* negative length */
    default: return 0;
    }
}
