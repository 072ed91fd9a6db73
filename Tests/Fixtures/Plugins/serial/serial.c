/* The scripted fixture without ACUHOOK_PLUGIN_THREAD_SAFE. See Plugins/Fixtures/README.md. */
#define FIXTURE_NAME "fixture-serial"
#define FIXTURE_FLAGS 0
#include "../scripted/scripted_impl.inc"
