/* Test fixture built against the frozen ABI 1.1 header; see Tests/Fixtures/README.md. */
#include "acuhook_plugin.h"
