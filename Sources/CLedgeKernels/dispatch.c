// Run-time CPU feature dispatch for the int8 kernels.
#include "ledge_kernels.h"

const char *ledge_kernels_path(void) { return "portable"; }
