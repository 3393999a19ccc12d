// LedgeMQTT: MQTT client over libmosquitto.
