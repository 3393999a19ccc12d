// CSodium: the Debian C library <sodium.h>, imported into Swift as a system library.
#include <sodium.h>
