/* Thread-safe scripted fixture. See Plugins/Fixtures/README.md. */
#define FIXTURE_NAME "fixture-scripted"
#define FIXTURE_FLAGS ACUHOOK_PLUGIN_THREAD_SAFE
#include "scripted_impl.inc"
