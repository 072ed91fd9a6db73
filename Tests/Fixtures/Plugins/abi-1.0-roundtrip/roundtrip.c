/* A plugin compiled against the frozen ABI 1.0 header (Tests/Fixtures/abi-1.0), never the current
 * one: the current host must load it and pass every 1.0 field through. It answers with the event's
 * fields as JSON in `output`, a message, and one derived event. See README.md. */
#include <stdio.h>
#include <string.h>
#include "acuhook_plugin.h"

static const acuhook_host_api *host_api;

static acuhook_buffer copy_out(const char *text, size_t len) {
    acuhook_buffer buffer = { host_api->alloc(len), len };
    if (buffer.ptr) memcpy(buffer.ptr, text, len);
    else buffer.len = 0;
    return buffer;
}

static int32_t roundtrip_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    (void)instance;
    char text[4096];
    int written = snprintf(
        text, sizeof text,
        "{\"size\":%u,\"attempt\":%u,\"eventType\":\"%.*s\",\"entityType\":\"%.*s\",\"entityId\":\"%.*s\","
        "\"deliveryId\":\"%.*s\",\"tenant\":\"%.*s\",\"receivedAt\":%lld,\"jsonBytes\":%zu,\"resultSize\":%u}",
        event->size, event->attempt, (int)event->event_type.len, event->event_type.ptr,
        (int)event->entity_type.len, event->entity_type.ptr, (int)event->entity_id.len, event->entity_id.ptr,
        (int)event->delivery_id.len, event->delivery_id.ptr, (int)event->tenant.len, event->tenant.ptr,
        (long long)event->received_at_unix_ms, event->json.len, result->size);
    if (written < 0 || (size_t)written >= sizeof text) return ACUHOOK_STATUS_RETRY;
    result->output = copy_out(text, (size_t)written);
    result->message = copy_out("abi 1.0 round trip", 18);
    const char *type = "Fixture.Echo", *data = "{\"echo\":true}";
    acuhook_derived_event derived = {
        sizeof(acuhook_derived_event), { type, strlen(type) }, { NULL, 0 }, { NULL, 0 }, { data, strlen(data) }
    };
    return host_api->emit(event->call, &derived) == ACUHOOK_EMIT_OK ? ACUHOOK_STATUS_OK : ACUHOOK_STATUS_REJECT;
}

static const acuhook_str subscriptions[] = { { "Fixture.*", 9 } };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor), 1, 0,
    { "fixture-abi-1.0", 15 }, { "1.0.0", 5 }, subscriptions, 1, ACUHOOK_PLUGIN_THREAD_SAFE,
    NULL, roundtrip_handle, NULL,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    if (host->abi_major != 1) return NULL;
    host_api = host;
    return &descriptor;
}
