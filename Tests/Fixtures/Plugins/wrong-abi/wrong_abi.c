/* Claims to be built for the next ABI major, and does not check the host's: the host must refuse
 * it. See Plugins/Fixtures/README.md. */
#include "acuhook_plugin.h"

static int32_t never_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    (void)instance; (void)event; (void)result;
    return ACUHOOK_STATUS_OK;
}

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor), ACUHOOK_ABI_VERSION_MAJOR + 1, 0,
    { "fixture-wrong-abi", 17 }, { "9.9.9", 5 }, NULL, 0, 0, NULL, never_handle, NULL,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    (void)host;
    return &descriptor;
}
