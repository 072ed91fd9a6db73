/* Loads a plugin into a process built with -fsanitize=address (LeakSanitizer), behind a minimal
 * host table, and calls it: usage `leakcheck PLUGIN.so CONFIG_JSON CALLS`. Every buffer the
 * plugin returns is freed as the host would; at exit LeakSanitizer reports what the plugin (or a
 * library it uses) lost, and the exit status is non-zero. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acuhook_plugin.h"

static void host_log(acuhook_host_handle *host, acuhook_log_level level, acuhook_str message) {
    (void)host; (void)level; (void)message;
}
static char *host_alloc(size_t len) { return malloc(len ? len : 1); }
static void host_free(char *ptr) { free(ptr); }
static acuhook_emit_status host_emit(acuhook_call *call, const acuhook_derived_event *event) {
    (void)call; (void)event;
    return ACUHOOK_EMIT_OK;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: leakcheck PLUGIN.so CONFIG_JSON CALLS\n"); return 2; }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { fprintf(stderr, "%s\n", dlerror()); return 2; }
    acuhook_plugin_entry_fn entry = (acuhook_plugin_entry_fn)dlsym(library, ACUHOOK_PLUGIN_ENTRY_SYMBOL);
    static const acuhook_host_api host = { sizeof(acuhook_host_api), ACUHOOK_ABI_VERSION_MAJOR, ACUHOOK_ABI_VERSION_MINOR,
                                           host_log, host_alloc, host_free, host_emit };
    const acuhook_plugin_descriptor *descriptor = entry ? entry(&host) : NULL;
    if (!descriptor) { fprintf(stderr, "the plugin refused to load\n"); return 2; }
    void *instance = NULL;
    acuhook_buffer error = { NULL, 0 };
    acuhook_str config = { argv[2], strlen(argv[2]) };
    if (descriptor->create && descriptor->create(NULL, config, &instance, &error) != 0) {
        fprintf(stderr, "create failed: %.*s\n", (int)error.len, error.ptr);
        free(error.ptr);
        return 2;
    }
    const char *json = "{\"eventType\":\"Customer.Updated\",\"entityId\":\"C1\",\"data\":{}}";
    int calls = atoi(argv[3]), ok = 0;
    for (int i = 0; i < calls; i++) {
        acuhook_event event = { sizeof(acuhook_event), 1, { "Customer.Updated", 16 }, { "Customer", 8 }, { "C1", 2 },
                                { "leak-check", 10 }, { "", 0 }, 0, { json, strlen(json) }, NULL };
        acuhook_result result = { sizeof(acuhook_result), { NULL, 0 }, { NULL, 0 } };
        if (descriptor->handle(instance, &event, &result) == ACUHOOK_STATUS_OK) ok++;
        free(result.message.ptr);
        free(result.output.ptr);
    }
    if (descriptor->destroy) descriptor->destroy(instance);
    printf("calls %d ok %d\n", calls, ok);
    return ok == calls ? 0 : 1;
}
