"""Consumer for tools/chaos: a persistent-session (clean session off) QoS 1 subscriber that appends one
line "unit cycle" per prediction to a file, flushed per message. Reconnects by itself; exits on SIGTERM.
Usage: chaos_consumer.py HOST PORT CLIENT_ID FILTER OUT_FILE READY_FILE"""
import json
import os
import signal
import sys

import paho.mqtt.client as mqtt

host, port, client_id, flt, out_path, ready_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
out = open(out_path, "a", buffering=1)
bad = 0


def on_connect(client, userdata, flags, reason_code, properties=None):
    if reason_code == 0:
        client.subscribe(flt, qos=1)


def on_subscribe(client, userdata, mid, reason_codes, properties=None):
    with open(ready_path, "w") as f:
        f.write("ready\n")


def on_message(client, userdata, msg):
    global bad
    try:
        doc = json.loads(msg.payload)
        out.write(f"{int(doc['unit'])} {int(doc['cycle'])}\n")
    except (ValueError, KeyError, TypeError):
        bad += 1
        out.write(f"bad {msg.topic}\n")


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False, protocol=mqtt.MQTTv311)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.reconnect_delay_set(min_delay=1, max_delay=2)
client.max_inflight_messages_set(100)


def stop(signum, frame):
    client.disconnect()


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
while True:
    try:
        client.connect(host, port, keepalive=10)
        break
    except OSError:
        import time
        time.sleep(0.2)
client.loop_forever(retry_first_connection=True)
out.flush()
os.fsync(out.fileno())
