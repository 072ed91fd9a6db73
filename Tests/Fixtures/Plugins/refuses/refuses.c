/* Logs why and refuses to load (its entry point returns NULL). See Plugins/Fixtures/README.md. */
#include <string.h>
#include "acuhook_plugin.h"

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    const char *why = "fixture-refuses: this plugin never loads (license missing)";
    acuhook_str text = { why, strlen(why) };
    host->log(NULL, ACUHOOK_LOG_ERROR, text);
    return NULL;
}
