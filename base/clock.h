/* SPDX-License-Identifier: Apache-2.0 */
/* base/clock.h - the agent's idea of "now".
 *
 * Everything that stamps a time (status events, document dates, numbering
 * periods, journal entries) asks pl_now(), so that tests and a support
 * engineer replaying a day can pin the clock: when the environment variable
 * PL_NOW holds unix seconds (or an ISO date "2027-01-01T00:00:00Z") it is used
 * instead of the system clock.
 */
#ifndef PL_BASE_CLOCK_H
#define PL_BASE_CLOCK_H

#include <stdint.h>

/* Unix seconds (UTC). */
int64_t pl_now(void);
/* Unix milliseconds (UTC); follows PL_NOW too. */
int64_t pl_now_ms(void);
/* Monotonic milliseconds for timeouts; never pinned. */
int64_t pl_monotonic_ms(void);
/* Parse "YYYY-MM-DDTHH:MM:SS" with "Z" or "+HH:MM"/"-HH:MM" into unix seconds. 0 or -PL_EINVAL. */
int pl_parse_iso8601(const char *s, int64_t *out);
/* Format unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out[21]. */
void pl_format_iso8601(int64_t t, char out[21]);
/* Local calendar date of unix seconds (the station's time zone, TZ). */
void pl_local_date(int64_t t, int *year, int *month, int *day);

#endif
