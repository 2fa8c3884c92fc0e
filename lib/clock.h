/* Time as the device programs measure it (berth-init, berth-install). */
#ifndef BERTH_CLOCK_H
#define BERTH_CLOCK_H

#include <stdint.h>

/* Milliseconds since boot (CLOCK_BOOTTIME). */
uint64_t boottime_ms(void);
/* Sleeps MS milliseconds, signals or not. */
void sleep_ms(unsigned ms);

#endif
