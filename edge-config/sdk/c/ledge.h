/* ledge.h: the Ledge function ABI, version 1 (host imports, exports, error codes).
 *
 * The one place the host API is declared. C functions include it; the Embedded Swift SDK
 * (sdk/swift/Ledge.swift) imports it as its bridging header, so both share these codes.
 *
 * A function exports:
 *   memory, ledge_alloc(len) -> ptr,
 *   ledge_on_event(topic_ptr, topic_len, payload_ptr, payload_len) -> i32   (0 = ok, negative = error)
 *   and optionally ledge_init() -> i32, called once per instance.
 * Every pointer and length given to the host is checked against the instance's memory: a bad one
 * traps the invocation (never the node). Limits (payload size, publishes per invocation, topics
 * outside allow_publish) also trap, with the limit named in the reason.
 */
#ifndef LEDGE_H
#define LEDGE_H

#include <stdint.h>

#define LEDGE_ABI_VERSION 1

/* Return codes of host calls. Non-negative values are successes (often a length or count). */
enum {
    LEDGE_OK = 0,
    LEDGE_E_INVALID = -1,      /* an argument is not valid (bad UTF-8, empty key, bad qos, ...) */
    LEDGE_E_NOT_FOUND = -2,    /* no such key, model, setting or JSON member */
    LEDGE_E_TOO_LARGE = -3,    /* a value larger than allowed */
    LEDGE_E_DENIED = -4,       /* not permitted for this function */
    LEDGE_E_LIMIT = -5,        /* a per-invocation limit was reached */
    LEDGE_E_QUOTA = -6,        /* the function's key-value quota is full */
    LEDGE_E_BUFFER = -7,       /* the output buffer is too small (nothing written) */
    LEDGE_E_UNAVAILABLE = -8,  /* the node cannot take it now (outbox full, model not loaded) */
    LEDGE_E_IO = -9,           /* storage failed */
    LEDGE_E_MODEL = -10        /* the model rejected the input (wrong element count) */
};

/* Log levels for ledge_log. */
enum { LEDGE_LOG_DEBUG = 0, LEDGE_LOG_INFO = 1, LEDGE_LOG_WARN = 2, LEDGE_LOG_ERROR = 3 };

#define LEDGE_IMPORT(name) __attribute__((import_module("ledge"), import_name(#name)))

/* Publishes payload to topic (QoS 0, 1 or 2) through the node's durable outbox. */
LEDGE_IMPORT(publish) int32_t ledge_publish(const char *topic, int32_t topic_len,
                                            const void *payload, int32_t payload_len, int32_t qos);
/* Copies the value of key into buf; returns its length (LEDGE_E_BUFFER if cap is too small). */
LEDGE_IMPORT(kv_get) int32_t ledge_kv_get(const void *key, int32_t key_len, void *buf, int32_t cap);
LEDGE_IMPORT(kv_set) int32_t ledge_kv_set(const void *key, int32_t key_len, const void *val, int32_t val_len);
LEDGE_IMPORT(kv_delete) int32_t ledge_kv_delete(const void *key, int32_t key_len);
/* Runs model `name` on in_count float32 inputs; writes up to out_cap float32 outputs; returns the count. */
LEDGE_IMPORT(infer) int32_t ledge_infer(const char *model, int32_t model_len, const float *in, int32_t in_count,
                                        float *out, int32_t out_cap);
LEDGE_IMPORT(log) void ledge_log(int32_t level, const char *msg, int32_t len);
LEDGE_IMPORT(now_ms) int64_t ledge_now_ms(void);
/* Reads the number under `key` in the top-level JSON object json into *out: 0, LEDGE_E_NOT_FOUND when the
 * key is absent or not a number, LEDGE_E_INVALID when it does not fit a double (e.g. 1e400). */
LEDGE_IMPORT(json_number) int32_t ledge_json_number(const void *json, int32_t json_len, const char *key,
                                                    int32_t key_len, double *out);
/* Copies the function's setting `key` (from "config" in the node config) into buf; returns its length. */
LEDGE_IMPORT(config) int32_t ledge_config(const char *key, int32_t key_len, char *buf, int32_t cap);
/* Numbers from the model's manifest at a dotted key ("window", "normalization.mean", ...); returns the count. */
LEDGE_IMPORT(model_floats) int32_t ledge_model_floats(const char *model, int32_t model_len, const char *key,
                                                      int32_t key_len, float *out, int32_t cap);
/* The model's input features (manifest "features") read from a JSON event and normalised as the manifest
 * says; returns the count (LEDGE_E_NOT_FOUND if a feature is missing from the event). */
LEDGE_IMPORT(model_features) int32_t ledge_model_features(const char *model, int32_t model_len, const void *json,
                                                          int32_t json_len, float *out, int32_t cap);

#endif /* LEDGE_H */
