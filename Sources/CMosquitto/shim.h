// CMosquitto: the Debian C library <mosquitto.h>, imported into Swift as a system library.
#include <mosquitto.h>
