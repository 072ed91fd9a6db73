/* Records when each event reached it: the latency benchmark's plugin. See Plugins/Fixtures/README.md. */
#include "fixture_stamp.h"
#include <time.h>

ACUHOOK_EXPORT uint64_t acuhook_fixture_stamps[FIXTURE_STAMP_SLOTS];

static int32_t stamp_create(acuhook_host_handle *host, acuhook_str config, void **out, acuhook_buffer *error) {
    (void)host; (void)config; (void)error;
    *out = NULL;
    return 0;
}

static int32_t stamp_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    (void)instance; (void)result;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t slot = 0;
    for (size_t i = 0; i < event->entity_id.len; i++) {
        char c = event->entity_id.ptr[i];
        if (c < '0' || c > '9') return ACUHOOK_STATUS_SKIP;
        slot = slot * 10 + (uint64_t)(c - '0');
        if (slot >= FIXTURE_STAMP_SLOTS) return ACUHOOK_STATUS_SKIP;
    }
    uint64_t stamp = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    uint64_t expected = 0;
    __atomic_compare_exchange_n(&acuhook_fixture_stamps[slot], &expected, stamp, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return ACUHOOK_STATUS_OK;
}

static const acuhook_str subscriptions[] = { { "*", 1 } };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor), ACUHOOK_ABI_VERSION_MAJOR, ACUHOOK_ABI_VERSION_MINOR,
    { "fixture-stamp", 13 }, { "0.1.0", 5 }, subscriptions, 1, ACUHOOK_PLUGIN_THREAD_SAFE,
    stamp_create, stamp_handle, NULL,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    (void)host;
    return &descriptor;
}
