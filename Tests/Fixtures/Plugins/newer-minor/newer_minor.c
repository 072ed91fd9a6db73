/* A plugin from the future: it declares ABI 1.(current + 1) with a descriptor larger than this
 * host's (a field appended at the end, as a minor version may). The host must load it and ignore
 * what it does not know. See README.md. */
#include <string.h>
#include "acuhook_plugin.h"

static int32_t newer_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    (void)instance; (void)event; (void)result;
    return ACUHOOK_STATUS_OK;
}

/* The current descriptor, then what a later minor might add. */
typedef struct {
    acuhook_plugin_descriptor base;
    int32_t (*drain)(void *instance);
    uint64_t reserved[4];
} newer_descriptor;

static const newer_descriptor descriptor = {
    {
        sizeof(newer_descriptor), ACUHOOK_ABI_VERSION_MAJOR, ACUHOOK_ABI_VERSION_MINOR + 1,
        { "fixture-newer-minor", 19 }, { "1.1.0", 5 }, NULL, 0, 0, NULL, newer_handle, NULL,
    },
    NULL,
    { 0, 0, 0, 0 },
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    (void)host;
    return &descriptor.base;
}
