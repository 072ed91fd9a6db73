/* Returns a descriptor whose size field is smaller than the 1.0 layout.
 * See Plugins/Fixtures/README.md. */
#include "acuhook_plugin.h"

static const acuhook_plugin_descriptor descriptor = {
    16, ACUHOOK_ABI_VERSION_MAJOR, ACUHOOK_ABI_VERSION_MINOR,
    { "fixture-small", 13 }, { "0.1.0", 5 }, NULL, 0, 0, NULL, NULL, NULL,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    (void)host;
    return &descriptor;
}
