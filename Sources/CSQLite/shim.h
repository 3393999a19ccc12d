// CSQLite: the Debian C library <sqlite3.h>, imported into Swift as a system library.
#include <sqlite3.h>
