/* Clocks. Only the I/O layers read them; protocol and session code get the
 * time as an argument. */
#ifndef RTSPGATE_CORE_CLOCK_H
#define RTSPGATE_CORE_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_us(void);
/* Wall clock as a 64-bit NTP timestamp (32.32 fixed point, seconds since 1900). */
uint64_t clock_ntp_now(void);
/* RFC 1123 date for the Date header, e.g. "Tue, 15 Nov 1994 08:12:31 GMT". */
void clock_http_date(char *dst, unsigned size);

#endif
