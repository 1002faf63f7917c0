/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_time64.c - dates after 19 January 2038 on every target.
 *
 * The armhf build uses -D_TIME_BITS=64 (cross/arm-linux-gnueabihf.cmake);
 * this test is what proves that decision: under qemu-arm it checks the libc
 * calls the agent makes (gmtime_r, timegm, localtime_r, stat, utimensat) and
 * the project's own date code (base/clock.h, core/numbering.h) with dates
 * in 2040 and 2106. With a 32-bit time_t every one of them wraps to 1901.
 * It also checks SQLite's date functions, which do their own 64-bit
 * arithmetic even though Debian 12's armhf libsqlite3 has a 32-bit time_t.
 */
#include "base/clock.h"
#include "base/diag.h"
#include "core/numbering.h"

#include "check.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T_2038_OVERFLOW INT64_C(2147483648) /* 2038-01-19T03:14:08Z = INT32_MAX + 1 */
#define T_2040          INT64_C(2208988800) /* 2040-01-01T00:00:00Z */
#define T_2106          INT64_C(4294967296) /* 2106-02-07T06:28:16Z = UINT32_MAX + 1 */

/* The build decision itself: without it nothing below can pass on armhf. */
static void test_width(void)
{
	CHECK_INT(sizeof(time_t), 8);
	CHECK_INT(sizeof(off_t), 8);
}

static void expect_gm(int64_t t, int year, int mon, int mday, int hour, int min, int sec)
{
	time_t tt = (time_t)t;
	struct tm tm = {0};

	CHECK(gmtime_r(&tt, &tm) != NULL);
	CHECK_INT(tm.tm_year + 1900, year);
	CHECK_INT(tm.tm_mon + 1, mon);
	CHECK_INT(tm.tm_mday, mday);
	CHECK_INT(tm.tm_hour, hour);
	CHECK_INT(tm.tm_min, min);
	CHECK_INT(tm.tm_sec, sec);
	/* and back: timegm is the inverse the agent uses for UTC fields */
	CHECK_INT(timegm(&tm), t);
}

static void test_libc_round_trip(void)
{
	expect_gm(T_2038_OVERFLOW, 2038, 1, 19, 3, 14, 8);
	expect_gm(T_2040, 2040, 1, 1, 0, 0, 0);
	expect_gm(T_2106, 2106, 2, 7, 6, 28, 16);
}

static void test_iso8601(void)
{
	char s[21];
	int64_t t = 0;

	CHECK_OK(pl_parse_iso8601("2040-01-01T00:00:00Z", &t));
	CHECK_INT(t, T_2040);
	pl_format_iso8601(T_2040, s);
	CHECK_STR(s, "2040-01-01T00:00:00Z");
	pl_format_iso8601(T_2106, s);
	CHECK_STR(s, "2106-02-07T06:28:16Z");
	CHECK_OK(pl_parse_iso8601("2106-02-07T06:28:16Z", &t));
	CHECK_INT(t, T_2106);
}

/* A token that expires in 2040 (ShipX/marketplace OAuth expiries are ISO
 * strings; the agent compares them with pl_now()). */
static void test_token_expiry(void)
{
	int64_t expiry = 0;

	CHECK_OK(pl_parse_iso8601("2040-06-30T12:00:00+02:00", &expiry));
	CHECK_INT(expiry, T_2040 + (INT64_C(181) * 86400) + 10 * 3600);

	setenv("PL_NOW", "2040-06-30T09:59:59Z", 1);
	CHECK_INT(pl_now(), expiry - 1);
	CHECK(pl_now() < expiry);
	CHECK_INT(pl_now_ms(), (expiry - 1) * 1000);
	setenv("PL_NOW", "2040-06-30T10:00:01Z", 1);
	CHECK(pl_now() > expiry);
	unsetenv("PL_NOW");
	/* the real clock is past 2020 and monotonic time is sane on the target */
	CHECK(pl_now() > INT64_C(1577836800));
	CHECK(pl_monotonic_ms() >= 0);
}

/* From a post-2038 instant to a document number: local date (a POSIX TZ rule,
 * so no tzdata is needed in the sysroot) -> numbering period -> number. */
static void test_numbering_2040(void)
{
	struct numbering n;
	struct diag d;
	char period[NUMBERING_PERIOD_MAX];
	char num[64];
	int y = 0, m = 0, day = 0;

	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	/* 2040-12-31T23:30:00Z is already 2041-01-01 in Warsaw */
	pl_local_date(T_2040 + INT64_C(365) * 86400 + 23 * 3600 + 30 * 60, &y, &m, &day);
	CHECK_INT(y, 2041);
	CHECK_INT(m, 1);
	CHECK_INT(day, 1);
	/* and a summer date in 2040 (CEST) */
	pl_local_date(T_2040 + INT64_C(181) * 86400 + 22 * 3600 + 30 * 60, &y, &m, &day);
	CHECK_INT(y, 2040);
	CHECK_INT(m, 7);
	CHECK_INT(day, 1);

	diag_init(&d);
	CHECK_OK(numbering_init(&n, "FV/{YYYY}/{MM}/{NNNN}", NUM_RESET_MONTH, &d, "t"));
	numbering_period(&n, y, m, period);
	CHECK_STR(period, "2040-07");
	CHECK_OK(numbering_format(&n, y, m, day, 1, num, sizeof(num)));
	CHECK_STR(num, "FV/2040/07/0001");
	CHECK_OK(numbering_init(&n, "PAR {YY}-{NNNNNN}", NUM_RESET_YEAR, &d, "t"));
	numbering_period(&n, 2041, 1, period);
	CHECK_STR(period, "2041");
	CHECK_OK(numbering_format(&n, 2041, 1, 1, 123456, num, sizeof(num)));
	CHECK_STR(num, "PAR 41-123456");
	CHECK_INT(diag_count(&d), 0);
	diag_release(&d);
	unsetenv("TZ");
	tzset();
}

/* File times: the store's backups and the document archive look at mtimes. */
static void test_file_times(void)
{
	char path[] = "/tmp/pl_time64_XXXXXX";
	int fd = mkstemp(path);
	struct timespec ts[2] = {{.tv_sec = (time_t)T_2106, .tv_nsec = 0},
				 {.tv_sec = (time_t)T_2040, .tv_nsec = 0}};
	struct stat st;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_OK(futimens(fd, ts));
	CHECK_OK(fstat(fd, &st));
	CHECK_INT(st.st_mtime, T_2040);
	CHECK_INT(st.st_atime, T_2106);
	close(fd);
	CHECK_OK(stat(path, &st));
	CHECK_INT(st.st_mtime, T_2040);
	unlink(path);
}

static const char *sql_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, size, "%s", (const char *)v);
	sqlite3_finalize(st);
	return out;
}

/* SQLite does its own date math in 64 bits (Julian day milliseconds), so the
 * store may compute periods in SQL even on Debian 12's 32-bit-time_t armhf
 * library. ('now' is not used: the agent's clock is pl_now().) */
static void test_sqlite_dates(void)
{
	sqlite3 *db = NULL;
	char v[64];

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_STR(sql_text(db, "SELECT strftime('%Y-%m', 2208988800, 'unixepoch')", v, sizeof(v)),
		  "2040-01");
	CHECK_STR(sql_text(db, "SELECT datetime(4294967296, 'unixepoch')", v, sizeof(v)),
		  "2106-02-07 06:28:16");
	CHECK_STR(sql_text(db, "SELECT CAST(strftime('%s', '2040-01-01 00:00:00') AS INTEGER)", v,
			   sizeof(v)),
		  "2208988800");
	sqlite3_close(db);
}

int main(void)
{
	test_width();
	test_libc_round_trip();
	test_iso8601();
	test_token_expiry();
	test_numbering_2040();
	test_file_times();
	test_sqlite_dates();
	return check_done("test_time64");
}
