/* pg-upsert has no public header of its own: it implements the ABI in acuhook_plugin.h. */
#include "acuhook_plugin.h"
