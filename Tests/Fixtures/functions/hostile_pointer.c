/* Hostile: hands the host pointers outside its memory; which call is chosen by the event's "call".
 * Verdict: out of bounds memory access, for every host call. */
#include "ledge.h"
#define BAD ((void *)0x7ffffff0)
__attribute__((export_name("ledge_on_event")))
int32_t ledge_on_event(const char *t, int32_t tl, const char *p, int32_t pl) {
    double which = 0;
    ledge_json_number(p, pl, "call", 4, &which);
    switch ((int)which) {
    case 0: return ledge_publish(BAD, 100, "x", 1, 0);
    case 1: return ledge_publish("out/x", 5, BAD, 100, 0);
    case 2: return ledge_kv_get(BAD, 4, 0, 0);
    case 3: return ledge_kv_set("k", 1, BAD, 1000);
    case 4: return ledge_kv_delete(BAD, 8);
    case 5: return ledge_infer(BAD, 10, 0, 0, 0, 0);
    case 6: ledge_log(1, BAD, 50); return 0;
    case 7: return ledge_json_number(BAD, 100, "k", 1, 0);
    case 8: return ledge_config(BAD, 3, 0, 0);
    case 9: return ledge_model_floats("m", 1, BAD, 9, 0, 0);
    case 10: return ledge_model_features(BAD, 5, 0, 0, 0, 0);
    default: return ledge_publish("out/x", 5, "x", 0x7fffffff, 0);
    }
}
