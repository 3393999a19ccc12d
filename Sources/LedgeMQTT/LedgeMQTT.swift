// LedgeMQTT: MQTT 5 / 3.1.1 client over libmosquitto, plus topic-filter matching.
//
// Threads: each `MQTTClient` runs one loop thread of its own ("ledge-mqtt"), started by `start()`
// and joined by `stop()`. Every callback (onConnect, onMessage, onPublished, onDisconnect,
// onSubscribed) runs on that thread: keep them short and never call `stop()` from one.
// `publish` and `subscribe` may be called from any thread.
