/* ledge_sdk.c: the C SDK's exports every function needs (ABI v1). `ledge fn build` links it in. */
#include <stdlib.h>
#include "ledge.h"

/* The host asks for one buffer per instance (events are copied into it); plain malloc serves. */
__attribute__((export_name("ledge_alloc"))) void *ledge_alloc(int32_t len) {
    return malloc(len > 0 ? (size_t)len : 1);
}
