/* The peer for the node benchmark: a bare C libmosquitto relay. It subscribes to IN (QoS 1) and republishes
 * every payload unchanged to OUT (QoS 1). What Ledge's node should sustain >= 80% of, through the same broker.
 * Usage: relay HOST PORT IN_FILTER OUT_TOPIC */
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *out_topic;
static volatile sig_atomic_t stop;

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
    (void)obj;
    mosquitto_publish(m, NULL, out_topic, msg->payloadlen, msg->payload, 1, false);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
    (void)obj;
    if (rc == 0) mosquitto_subscribe(m, NULL, (const char *)mosquitto_userdata(m), 1);
}

static void on_signal(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: relay HOST PORT IN_FILTER OUT_TOPIC\n"); return 2; }
    out_topic = argv[4];
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new("ledge-bench-relay", true, argv[3]);
    if (!m) { fprintf(stderr, "relay: mosquitto_new failed\n"); return 1; }
    mosquitto_max_inflight_messages_set(m, 100);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_message_callback_set(m, on_message);
    if (mosquitto_connect(m, argv[1], atoi(argv[2]), 30) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "relay: cannot connect\n"); return 1; }
    while (!stop) {
        int rc = mosquitto_loop(m, 100, 1);
        if (rc != MOSQ_ERR_SUCCESS) mosquitto_reconnect(m);
    }
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return 0;
}
