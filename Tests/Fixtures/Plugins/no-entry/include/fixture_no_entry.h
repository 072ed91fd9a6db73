/* Test fixture; see Plugins/Fixtures/README.md. */
#include "acuhook_plugin.h"
