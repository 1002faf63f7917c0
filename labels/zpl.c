/* SPDX-License-Identifier: Apache-2.0 */
/* labels/zpl.c - ZPL II builder with size checks and safe field data. */
#include "labels/zpl.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Text width classes for font 0, in hundredths of the char width w.
 * Measured on zpl-renderer-js 3.4.0 (zebrash) at ^A0N,50,50 with 20 copies of
 * each character (docs/labels.md): narrow glyphs reach 33, ordinary letters
 * and digits 61, the widest (W M m w @ % & -) 84. The estimate then adds 10 %.
 * CONTRACT-GUESS: a Zebra printer's resident font 0 (CG Triumvirate Bold
 * Condensed) is condensed, so it should be narrower than these widths, never
 * wider; if a printer proves otherwise, raise the factors here. */
#define ZPL_W_NARROW 33
#define ZPL_W_NORMAL 61
#define ZPL_W_WIDE   84
#define ZPL_W_MARGIN 110 /* percent */

static const char zpl_narrow[] = " !\"'(),./:;I[\\]`fijlrt{|}";
static const char zpl_wide[] = "%&-@MWmw";

void zpl_init(struct zpl *z, size_t max)
{
	memset(z, 0, sizeof(*z));
	buf_init(&z->out, max ? max : ZPL_MAX_LABEL);
}

void zpl_release(struct zpl *z)
{
	buf_release(&z->out);
	z->err = 0;
	z->open = false;
}

void zpl_reset(struct zpl *z)
{
	buf_reset(&z->out);
	z->err = 0;
	z->open = false;
	z->width = z->height = 0;
}

static int zpl_fail(struct zpl *z, int rc)
{
	if (!z->err)
		z->err = rc;
	return z->err;
}

static int zpl_put(struct zpl *z, const char *s)
{
	int rc;

	if (z->err)
		return z->err;
	rc = buf_puts(&z->out, s);
	return rc ? zpl_fail(z, rc) : 0;
}

static int zpl_putf(struct zpl *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int zpl_putf(struct zpl *z, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (z->err)
		return z->err;
	va_start(ap, fmt);
	rc = buf_vprintf(&z->out, fmt, ap);
	va_end(ap);
	return rc ? zpl_fail(z, rc) : 0;
}

/* Length of the UTF-8 sequence starting at s, or 0 when it is not valid
 * (overlong forms and surrogates are refused too). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t zpl_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;

	while (*p) {
		k = utf8_seq(p);
		p += k ? k : 1;
		n++;
	}
	return n;
}

/* Width class of the code point starting at p (k bytes). Non-ASCII letters
 * (Polish, German, ...) are ordinary; the measured ones are all <= 61. */
static int char_class(const unsigned char *p, size_t k)
{
	if (k == 1) {
		if (*p && strchr(zpl_narrow, *p))
			return ZPL_W_NARROW;
		if (*p && strchr(zpl_wide, *p))
			return ZPL_W_WIDE;
		return ZPL_W_NORMAL;
	}
	/* U+0142 l-stroke is narrow like 'l'; everything else outside ASCII is
	 * counted as ordinary, except symbols past U+2000 (dashes, ...) as wide. */
	if (k == 2 && p[0] == 0xc5 && p[1] == 0x82)
		return ZPL_W_NARROW;
	if (k >= 3)
		return ZPL_W_WIDE;
	return ZPL_W_NORMAL;
}

int zpl_text_width(const char *utf8, int w)
{
	const unsigned char *p = (const unsigned char *)utf8;
	long sum = 0;
	size_t k;

	while (*p) {
		k = utf8_seq(p);
		if (!k)
			k = 1; /* becomes '?' on output: ordinary */
		sum += k == 1 && *p >= 0x80 ? ZPL_W_NORMAL : char_class(p, k);
		p += k;
	}
	/* ceil(sum * w / 100 * margin / 100) */
	return (int)((sum * w * ZPL_W_MARGIN + 9999) / 10000);
}

int zpl_fit_text(const char *in, int w, int box_w, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), keep = 0, k;
	long sum = 0, limit, dots;

	if (zpl_text_width(in, w) <= box_w) {
		if (len + 1 > cap)
			return -PL_ETOOBIG;
		memcpy(out, in, len + 1);
		return 0;
	}
	/* Budget in class units for the prefix: box minus "..." (three narrow). */
	dots = (long)box_w * 10000 / ((long)w * ZPL_W_MARGIN);
	limit = dots - 3 * ZPL_W_NARROW;
	if (limit < 0)
		return -PL_EINVAL;
	while (p[keep]) {
		k = utf8_seq(p + keep);
		int cls = k ? char_class(p + keep, k) : ZPL_W_NORMAL;
		if (!k)
			k = 1;
		if (sum + cls > limit)
			break;
		sum += cls;
		keep += k;
	}
	while (keep > 0 && in[keep - 1] == ' ')
		keep--;
	if (keep + 4 > cap)
		return -PL_ETOOBIG;
	memcpy(out, in, keep);
	memcpy(out + keep, "...", 4);
	/* The integer budget above can round the other way by one class unit. */
	while (keep > 0 && zpl_text_width(out, w) > box_w) {
		do
			keep--;
		while (keep > 0 && ((unsigned char)in[keep] & 0xc0) == 0x80);
		memcpy(out + keep, "...", 4);
	}
	if (zpl_text_width(out, w) > box_w)
		return -PL_EINVAL;
	return 1;
}

int zpl_mm100_to_dots(int mm100, int dpi)
{
	long v = (long)mm100 * dpi;

	return (int)(v >= 0 ? (v + 1270) / 2540 : -((-v + 1270) / 2540));
}

/* Append field data: control characters become spaces, invalid UTF-8 '?';
 * with `hex`, '^', '~' and '_' go out as _5E, _7E, _5F (the caller sent
 * ^FH_). With `gt`, '>' is doubled as "><" (Code 128 invocation escape). */
static int zpl_put_data(struct zpl *z, const char *s, bool hex, bool gt)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[8];
	size_t k;

	while (*p) {
		k = utf8_seq(p);
		if (!k) {
			zpl_put(z, "?");
			p++;
			continue;
		}
		if (k > 1) {
			memcpy(tmp, p, k);
			tmp[k] = '\0';
			zpl_put(z, tmp);
		} else if (*p < 0x20 || *p == 0x7f) {
			zpl_put(z, " ");
		} else if (hex && (*p == '^' || *p == '~' || *p == '_')) {
			zpl_putf(z, "_%02X", *p);
		} else if (gt && *p == '>') {
			zpl_put(z, "><");
		} else {
			tmp[0] = (char)*p;
			tmp[1] = '\0';
			zpl_put(z, tmp);
		}
		p += k;
	}
	return z->err;
}

static bool needs_hex(const char *s)
{
	return strpbrk(s, "^~") != NULL;
}

/* ^FD<data>^FS, with ^FH_ first when the data holds command characters. */
static int zpl_field(struct zpl *z, const char *prefix, const char *data, bool gt)
{
	bool hex = needs_hex(data);

	if (hex)
		zpl_put(z, "^FH_");
	zpl_put(z, "^FD");
	if (prefix)
		zpl_put(z, prefix);
	zpl_put_data(z, data, hex, gt);
	return zpl_put(z, "^FS\n");
}

/* Is [x, x+w) x [y, y+h) on the label? */
static int zpl_check_box(struct zpl *z, int x, int y, int w, int h)
{
	if (z->err)
		return z->err;
	if (!z->open)
		return zpl_fail(z, -PL_ESTATE);
	if (x < 0 || y < 0 || w < 0 || h < 0 || x > z->width - w || y > z->height - h)
		return zpl_fail(z, -PL_EINVAL);
	return 0;
}

int zpl_begin(struct zpl *z, int width_dots, int height_dots)
{
	if (z->err)
		return z->err;
	if (z->open)
		return zpl_fail(z, -PL_ESTATE);
	if (width_dots <= 0 || height_dots <= 0 || width_dots > 32000 || height_dots > 32000)
		return zpl_fail(z, -PL_EINVAL);
	z->width = width_dots;
	z->height = height_dots;
	z->open = true;
	return zpl_putf(z, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", width_dots, height_dots);
}

int zpl_end(struct zpl *z)
{
	if (z->err)
		return z->err;
	if (!z->open)
		return zpl_fail(z, -PL_ESTATE);
	z->open = false;
	return zpl_put(z, "^XZ\n");
}

int zpl_finish(const struct zpl *z)
{
	if (z->err)
		return z->err;
	if (z->open || z->out.len == 0)
		return -PL_ESTATE;
	return 0;
}

char *zpl_detach(struct zpl *z, size_t *len)
{
	if (zpl_finish(z))
		return NULL;
	return buf_detach(&z->out, len);
}

int zpl_text(struct zpl *z, int x, int y, int h, int w, int box_w, enum zpl_align align,
	     const char *utf8)
{
	int tw, rc;

	if (h <= 0 || w <= 0 || h > 32000 || w > 32000)
		return zpl_fail(z, -PL_EINVAL);
	tw = zpl_text_width(utf8, w);
	if (box_w > 0) {
		if (tw > box_w)
			return zpl_fail(z, -PL_EINVAL);
		rc = zpl_check_box(z, x, y, box_w, h);
		if (align == ZPL_CENTER)
			x += (box_w - tw) / 2;
		else if (align == ZPL_RIGHT)
			x += box_w - tw;
	} else {
		rc = zpl_check_box(z, x, y, tw, h);
	}
	if (rc)
		return rc;
	zpl_putf(z, "^FO%d,%d^A0N,%d,%d", x, y, h, w);
	return zpl_field(z, NULL, utf8, false);
}

int zpl_box(struct zpl *z, int x, int y, int w, int h, int t)
{
	int rc;

	if (t <= 0 || w < t || h < t)
		return zpl_fail(z, -PL_EINVAL);
	rc = zpl_check_box(z, x, y, w, h);
	if (rc)
		return rc;
	return zpl_putf(z, "^FO%d,%d^GB%d,%d,%d^FS\n", x, y, w, h, t);
}

static bool code128_subset_c(const char *data)
{
	size_t n = strlen(data);

	if (n < 4 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (data[i] < '0' || data[i] > '9')
			return false;
	return true;
}

int zpl_code128_width(const char *data, int module)
{
	size_t n = strlen(data);

	if (n == 0 || module <= 0 || n > 200)
		return -PL_EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)data[i] < 0x20 || (unsigned char)data[i] > 0x7e)
			return -PL_EINVAL;
	if (code128_subset_c(data))
		n /= 2;
	/* start 11 + 11 per symbol + check 11 + stop 13 modules */
	return (int)((11 * n + 35) * (size_t)module);
}

/* Height of the human-readable line under a Code 128 symbol.
 * CONTRACT-GUESS: ZPL sizes the interpretation line from the module width;
 * zebrash draws it about 10 dots per module plus a gap, so 12 * module leaves
 * room on a printer too. */
static int code128_hr_height(int module)
{
	return 12 * module + 4;
}

int zpl_code128_height(int module, int h, bool hr)
{
	return h + (hr ? code128_hr_height(module) : 0);
}

int zpl_code128(struct zpl *z, int x, int y, int module, int h, bool hr, const char *data)
{
	int width = zpl_code128_width(data, module), rc;

	if (width < 0)
		return zpl_fail(z, width);
	if (h <= 0 || module > 10)
		return zpl_fail(z, -PL_EINVAL);
	rc = zpl_check_box(z, x, y, width, h + (hr ? code128_hr_height(module) : 0));
	if (rc)
		return rc;
	zpl_putf(z, "^FO%d,%d^BY%d^BCN,%d,%c,N,N", x, y, module, h, hr ? 'Y' : 'N');
	if (code128_subset_c(data))
		return zpl_field(z, ">;", data, false);
	return zpl_field(z, NULL, data, true);
}

/* QR byte-mode capacities for versions 1..10 at L, M, Q, H (ISO/IEC 18004
 * table 7). */
static const int qr_cap[10][4] = {
    {17, 14, 11, 7},     {32, 26, 20, 14},     {53, 42, 32, 24},   {78, 62, 46, 34},
    {106, 84, 60, 44},   {134, 106, 74, 58},   {154, 122, 86, 64}, {192, 152, 108, 84},
    {230, 180, 130, 98}, {271, 213, 151, 119},
};

static int qr_ecc_index(char ecc)
{
	switch (ecc) {
	case 'L':
		return 0;
	case 'M':
		return 1;
	case 'Q':
		return 2;
	case 'H':
		return 3;
	default:
		return -1;
	}
}

int zpl_qr_size(size_t nbytes, char ecc, int mag)
{
	int e = qr_ecc_index(ecc);

	if (e < 0 || mag < 1 || mag > 10 || nbytes == 0)
		return -PL_EINVAL;
	for (int v = 0; v < 10; v++)
		if ((size_t)qr_cap[v][e] >= nbytes)
			/* 17 + 4v modules a side; ZPL puts the symbol 10 dots below
			 * ^FO (a long-known ^BQ quirk, also in zebrash), so the box
			 * is that much taller; we keep the box square.
			 * CONTRACT-GUESS: the 10-dot offset does not scale with mag. */
			return (17 + 4 * (v + 1)) * mag + 10;
	return -PL_ETOOBIG;
}

int zpl_qr(struct zpl *z, int x, int y, int mag, char ecc, const char *data)
{
	int side = zpl_qr_size(strlen(data), ecc, mag), rc;
	char prefix[4] = {ecc, 'A', ',', '\0'};

	if (side < 0)
		return zpl_fail(z, side);
	rc = zpl_check_box(z, x, y, side, side);
	if (rc)
		return rc;
	zpl_putf(z, "^FO%d,%d^BQN,2,%d", x, y, mag);
	return zpl_field(z, prefix, data, false);
}

/* Data Matrix ECC 200 square symbols: side in modules and data codewords. */
static const struct {
	int side, cw;
} dm_sizes[] = {
    {10, 3},   {12, 5},   {14, 8},   {16, 12},  {18, 18},   {20, 22},    {22, 30},    {24, 36},
    {26, 44},  {32, 62},  {36, 86},  {40, 114}, {44, 144},  {48, 174},   {52, 204},   {64, 280},
    {72, 368}, {80, 456}, {88, 576}, {96, 696}, {104, 816}, {120, 1050}, {132, 1304}, {144, 1558},
};

int zpl_datamatrix_size(const char *data, int module)
{
	const unsigned char *p = (const unsigned char *)data;
	int cw = 0;

	if (!*p || module <= 0)
		return -PL_EINVAL;
	/* ASCII encodation: a digit pair is one codeword, other ASCII one, a
	 * byte above 127 two (upper shift). The printer may pick a denser
	 * encodation; this is the upper bound. */
	while (*p) {
		if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') {
			p += 2;
			cw++;
		} else {
			cw += *p > 127 ? 2 : 1;
			p++;
		}
	}
	for (size_t i = 0; i < sizeof(dm_sizes) / sizeof(dm_sizes[0]); i++)
		if (dm_sizes[i].cw >= cw)
			return dm_sizes[i].side * module;
	return -PL_ETOOBIG;
}

int zpl_datamatrix(struct zpl *z, int x, int y, int module, const char *data)
{
	int side = zpl_datamatrix_size(data, module), rc;

	if (side < 0)
		return zpl_fail(z, side);
	rc = zpl_check_box(z, x, y, side, side);
	if (rc)
		return rc;
	zpl_putf(z, "^FO%d,%d^BXN,%d,200", x, y, module);
	return zpl_field(z, NULL, data, false);
}

int zpl_raw(struct zpl *z, const char *zpl)
{
	return zpl_put(z, zpl);
}
