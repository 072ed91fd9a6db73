/* The scripted fixture with a batch entry (ABI 1.1), built against the frozen 1.1 header.
 * See Tests/Fixtures/README.md. */
#define FIXTURE_NAME "fixture-batch"
#define FIXTURE_FLAGS ACUHOOK_PLUGIN_THREAD_SAFE
#define FIXTURE_BATCH 1
#include "../scripted/scripted_impl.inc"
