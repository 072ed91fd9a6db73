/* Test fixture; see Plugins/Fixtures/README.md. */
#include "acuhook_plugin.h"
#include <stdint.h>

/** Slots in `acuhook_fixture_stamps`. */
#define FIXTURE_STAMP_SLOTS (1 << 21)

/** CLOCK_MONOTONIC nanoseconds at which the event whose entity id is the decimal number N was
 *  first handled, in slot N (0 = not yet). Read by the latency benchmark through dlsym. */
extern uint64_t acuhook_fixture_stamps[FIXTURE_STAMP_SLOTS];
