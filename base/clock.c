/* SPDX-License-Identifier: Apache-2.0 */
/* base/clock.c - now, pinned by PL_NOW for tests and replays. */
#include "base/clock.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar,
	 * independent of time_t width and of the TZ setting (timegm is neither
	 * standard C nor 64-bit on every armhf libc). */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int pl_parse_iso8601(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0;
	char sign;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -PL_EINVAL;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8)
			return -PL_EINVAL;
		s += 1 + n;
		if (*s == '.') { /* fractional seconds: ignored */
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
		}
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s;
			if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
				return -PL_EINVAL;
			s += 1 + n;
			if (oh > 23 || om > 59)
				return -PL_EINVAL;
			if (sign == '-') {
				oh = -oh;
				om = -om;
			}
		} else {
			return -PL_EINVAL; /* a time without a zone is ambiguous */
		}
	}
	if (*s != '\0' || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 60)
		return -PL_EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -PL_EINVAL;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
	       (oh * 3600 + om * 60);
	return 0;
}

void pl_format_iso8601(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	char tmp[64]; /* wide enough for any int fields, so the compiler can prove no cut */

	gmtime_r(&tt, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", (tm.tm_year + 1900) % 10000,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

void pl_local_date(int64_t t, int *year, int *month, int *day)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
}

static int64_t pinned(void)
{
	const char *s = getenv("PL_NOW");
	int64_t v;
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == 0 && *end == '\0' && v >= 0)
		return v;
	if (pl_parse_iso8601(s, &v) == 0)
		return v;
	return -1;
}

int64_t pl_now(void)
{
	int64_t p = pinned();
	return p >= 0 ? p : (int64_t)time(NULL);
}

int64_t pl_now_ms(void)
{
	struct timespec ts;
	int64_t p = pinned();

	if (p >= 0)
		return p * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pl_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
