/* stock-log: an Acuhook plugin in plain C. The ABI is all it needs. */
#include "acuhook_plugin.h"
