/* A plugin that does nothing: the benchmark's reference. See Plugins/Fixtures/README.md. */
#include "acuhook_plugin.h"

static int32_t noop_create(acuhook_host_handle *host, acuhook_str config, void **out, acuhook_buffer *error) {
    (void)host; (void)config; (void)error;
    *out = NULL;
    return 0;
}

static int32_t noop_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    (void)instance; (void)event; (void)result;
    return ACUHOOK_STATUS_OK;
}

static const acuhook_str subscriptions[] = { { "*", 1 } };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor), ACUHOOK_ABI_VERSION_MAJOR, ACUHOOK_ABI_VERSION_MINOR,
    { "fixture-noop", 12 }, { "0.1.0", 5 }, subscriptions, 1, ACUHOOK_PLUGIN_THREAD_SAFE,
    noop_create, noop_handle, NULL,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    (void)host;
    return &descriptor;
}
