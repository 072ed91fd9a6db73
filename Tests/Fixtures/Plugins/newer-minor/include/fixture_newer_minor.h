/* Test fixture; see Tests/Fixtures/README.md. */
#include "acuhook_plugin.h"
