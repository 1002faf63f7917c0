/* SPDX-License-Identifier: Apache-2.0 */
/* pdf/pdf.c - PDF objects, xref, Flate streams, subset fonts, QR (see pdf.h). */
#include "pdf/pdf.h"
#include "pdf/pdf_lazy.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned pdf_utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	unsigned c = s[0], n, cp, min;

	if (c < 0x80) {
		*sp += 1;
		return c;
	}
	if ((c & 0xE0) == 0xC0)
		n = 1, cp = c & 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 2, cp = c & 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		goto bad;
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		goto bad;
	*sp += n + 1;
	return cp;
bad:
	*sp += 1;
	return 0xFFFD;
}

#if PL_HAVE_PDF
#include <hb-subset.h>
#include <hb.h>
#include <qrencode.h>
#include <zlib.h>

/* Code points below this are looked up in a table made at open (Latin-1 and
 * Latin Extended-A/B: every Polish letter); others ask HarfBuzz. */
#define LO_CP 0x250

struct pdf_font {
	hb_blob_t *blob;
	hb_face_t *face;
	hb_face_t *pre; /* hb_subset_preprocess()ed: each subset is cheaper */
	hb_font_t *font;
	unsigned nglyphs;
	uint16_t *w; /* advance of each glyph, 1/1000 em */
	uint16_t lo_gid[LO_CP];
	unsigned qmark; /* glyph of '?' */
	char name[64];  /* PostScript-ish name from the file name */
	int bbox[4], ascent, descent;
};

static int to1000(const struct pdf_font *f, int v, unsigned upem)
{
	(void)f;
	return (int)((long)v * 1000 / (long)upem);
}

static unsigned font_gid(const struct pdf_font *f, unsigned cp)
{
	hb_codepoint_t g = 0;

	if (cp < LO_CP)
		return f->lo_gid[cp];
	if (!hb_font_get_nominal_glyph(f->font, cp, &g) || g >= f->nglyphs)
		return 0;
	return g;
}

int pdf_font_open(struct pdf_font **out, const char *path, char *err, size_t errsz)
{
	struct pdf_font *f = NULL;
	const char *why = "";
	hb_font_extents_t ext;
	unsigned upem, len = 0;
	hb_blob_t *head = NULL;
	const unsigned char *h;
	const char *base;
	size_t n = 0;
	int rc;

	*out = NULL;
	if ((rc = pdf_lazy_load(&why)) != 0) {
		snprintf(err, errsz, "%s", why);
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -PL_ENOMEM;
	rc = -PL_EINVAL;
	f->blob = hb_blob_create_from_file_or_fail(path);
	if (!f->blob) {
		snprintf(err, errsz, "%s: cannot read the font file", path);
		goto fail;
	}
	f->face = hb_face_create(f->blob, 0);
	f->nglyphs = hb_face_get_glyph_count(f->face);
	upem = hb_face_get_upem(f->face);
	head = hb_face_reference_table(f->face, HB_TAG('h', 'e', 'a', 'd'));
	h = (const unsigned char *)hb_blob_get_data(head, &len);
	/* TrueType outlines only: FontFile2 carries a 'glyf' font; a CFF
	 * (OpenType .otf) font has no 'glyf' and would need FontFile3. */
	hb_blob_t *glyf = hb_face_reference_table(f->face, HB_TAG('g', 'l', 'y', 'f'));
	unsigned glen = 0;
	hb_blob_get_data(glyf, &glen);
	hb_blob_destroy(glyf);
	if (f->nglyphs == 0 || f->nglyphs > 65535 || upem < 16 || upem > 16384 || !h || len < 54 ||
	    glen == 0) {
		snprintf(err, errsz, "%s: not a TrueType (glyf) font", path);
		goto fail;
	}
	for (int i = 0; i < 4; i++)
		f->bbox[i] = to1000(f, (int16_t)((h[36 + 2 * i] << 8) | h[37 + 2 * i]), upem);
	f->font = hb_font_create(f->face);
	memset(&ext, 0, sizeof(ext));
	hb_font_get_h_extents(f->font, &ext);
	f->ascent = to1000(f, ext.ascender, upem);
	f->descent = to1000(f, ext.descender, upem);
	f->w = calloc(f->nglyphs, sizeof(*f->w));
	if (!f->w) {
		rc = -PL_ENOMEM;
		goto fail;
	}
	for (unsigned g = 0; g < f->nglyphs; g++) {
		int a = to1000(f, hb_font_get_glyph_h_advance(f->font, g), upem);
		f->w[g] = (uint16_t)(a < 0 ? 0 : a > 65535 ? 65535 : a);
	}
	for (unsigned cp = 0; cp < LO_CP; cp++) {
		hb_codepoint_t g = 0;
		if (hb_font_get_nominal_glyph(f->font, cp, &g) && g < f->nglyphs)
			f->lo_gid[cp] = (uint16_t)g;
	}
	f->pre = hb_subset_preprocess(f->face);
	f->qmark = f->lo_gid['?'];
	if (!f->qmark || !f->lo_gid[' ']) {
		snprintf(err, errsz, "%s: the font has no '?' or space", path);
		goto fail;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; base[i] && base[i] != '.' && n + 1 < sizeof(f->name); i++)
		if ((base[i] >= 'A' && base[i] <= 'Z') || (base[i] >= 'a' && base[i] <= 'z') ||
		    (base[i] >= '0' && base[i] <= '9') || base[i] == '-')
			f->name[n++] = base[i];
	f->name[n] = '\0';
	if (!n)
		snprintf(f->name, sizeof(f->name), "Font");
	hb_blob_destroy(head);
	*out = f;
	return 0;
fail:
	hb_blob_destroy(head);
	pdf_font_close(f);
	return rc;
}

void pdf_font_close(struct pdf_font *f)
{
	if (!f)
		return;
	if (f->font)
		hb_font_destroy(f->font);
	if (f->pre)
		hb_face_destroy(f->pre);
	if (f->face)
		hb_face_destroy(f->face);
	if (f->blob)
		hb_blob_destroy(f->blob);
	free(f->w);
	free(f);
}

static unsigned font_cp_gid(const struct pdf_font *f, unsigned *cp)
{
	unsigned g;

	if (*cp < 0x20 || (*cp >= 0x7F && *cp < 0xA0))
		*cp = ' ';
	g = font_gid(f, *cp);
	if (!g) {
		*cp = '?';
		g = f->qmark;
	}
	return g;
}

double pdf_font_width(const struct pdf_font *f, const char *s, double size)
{
	long w = 0;

	while (s && *s) {
		unsigned cp = pdf_utf8_next(&s);
		w += f->w[font_cp_gid(f, &cp)];
	}
	return (double)w * size / 1000.0;
}

struct pdf {
	struct pdf_font *f[2];
	uint32_t *gcp[2]; /* per glyph: the code point it was drawn for, 0 = unused */
	struct buf *pages;
	size_t npages;
	int err;
	char title[256];
};

int pdf_new(struct pdf **out, struct pdf_font *regular, struct pdf_font *bold)
{
	struct pdf *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p || !regular)
		goto fail;
	p->f[0] = regular;
	p->f[1] = bold;
	p->pages = calloc(PDF_MAX_PAGES, sizeof(*p->pages));
	for (int i = 0; i < 2; i++)
		if (p->f[i] && !(p->gcp[i] = calloc(p->f[i]->nglyphs, sizeof(uint32_t))))
			goto fail;
	if (!p->pages)
		goto fail;
	*out = p;
	return 0;
fail:
	pdf_free(p);
	return regular ? -PL_ENOMEM : -PL_EINVAL;
}

void pdf_free(struct pdf *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->pages && i < p->npages; i++)
		buf_release(&p->pages[i]);
	free(p->pages);
	free(p->gcp[0]);
	free(p->gcp[1]);
	free(p);
}

void pdf_set_title(struct pdf *p, const char *title)
{
	snprintf(p->title, sizeof(p->title), "%s", title ? title : "");
}

void pdf_page(struct pdf *p)
{
	if (p->err)
		return;
	if (p->npages >= PDF_MAX_PAGES) {
		p->err = -PL_ETOOBIG;
		return;
	}
	buf_init(&p->pages[p->npages++], PDF_MAX_BYTES);
}

size_t pdf_page_count(const struct pdf *p)
{
	return p->npages;
}

static struct buf *cur(struct pdf *p)
{
	if (!p->err && !p->npages)
		pdf_page(p);
	return p->err ? NULL : &p->pages[p->npages - 1];
}

static void note(struct pdf *p, int rc)
{
	if (rc && !p->err)
		p->err = rc;
}

/* `v` with two decimals, trailing zeros dropped, into p (<= 24 bytes);
 * returns the end. printf's %f is most of the writer's time otherwise. */
static char *num(char *p, double v)
{
	long long c = (long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5));
	unsigned long long a = c < 0 ? (unsigned long long)-c : (unsigned long long)c;
	unsigned long long ip = a / 100, fp = a % 100;
	char d[24];
	int n = 0;

	if (c < 0)
		*p++ = '-';
	do
		d[n++] = (char)('0' + ip % 10);
	while ((ip /= 10) != 0 && n < 20);
	while (n)
		*p++ = d[--n];
	if (fp) {
		*p++ = '.';
		*p++ = (char)('0' + fp / 10);
		if (fp % 10)
			*p++ = (char)('0' + fp % 10);
	}
	return p;
}

/* v rounded to what num() writes */
static double r2(double v)
{
	return (double)(long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5)) / 100.0;
}

/* Append the numbers, each followed by a space, then `tail`. */
static int put_nums(struct buf *b, const double *v, size_t n, const char *tail)
{
	char line[256], *p = line;

	for (size_t i = 0; i < n && i < 8; i++) {
		p = num(p, v[i]);
		*p++ = ' ';
	}
	if (buf_append(b, line, (size_t)(p - line)))
		return -PL_ETOOBIG;
	return buf_puts(b, tail);
}

void pdf_text(struct pdf *p, double x, double y, double size, int bold, const char *s)
{
	struct buf *b = cur(p);
	int fi = bold && p->f[1] ? 1 : 0;
	const struct pdf_font *f = p->f[fi];
	int rc;

	if (!b || !s || !*s)
		return;
	/* bold without a bold font: fill and stroke the regular outline */
	rc = buf_puts(b, fi ? "BT /F2 " : "BT /F1 ");
	if (rc == 0)
		rc = put_nums(b, &size, 1, bold && !p->f[1] ? "Tf 2 Tr 0.3 w " : "Tf ");
	if (rc == 0)
		rc = put_nums(b, (const double[]){x, y}, 2, "Td <");
	while (rc == 0 && *s) {
		unsigned cp = pdf_utf8_next(&s);
		unsigned g = font_cp_gid(f, &cp);
		static const char hex[] = "0123456789ABCDEF";
		char h4[4] = {hex[(g >> 12) & 15], hex[(g >> 8) & 15], hex[(g >> 4) & 15],
			      hex[g & 15]};
		if (!p->gcp[fi][g])
			p->gcp[fi][g] = cp;
		rc = buf_append(b, h4, 4);
	}
	if (rc == 0)
		rc = buf_puts(b, "> Tj ET\n");
	note(p, rc);
}

void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width)
{
	struct buf *b = cur(p);

	if (b)
		note(p, put_nums(b, (const double[]){width}, 1, "w ") ||
				put_nums(b, (const double[]){x1, y1}, 2, "m ") ||
				put_nums(b, (const double[]){x2, y2}, 2, "l S\n")
			    ? -PL_ETOOBIG
			    : 0);
}

void pdf_rect(struct pdf *p, double x, double y, double w, double h, double gray)
{
	struct buf *b = cur(p);

	if (!b)
		return;
	if (gray < 0)
		note(p,
		     buf_puts(b, "0.5 w ") || put_nums(b, (const double[]){x, y, w, h}, 4, "re S\n")
			 ? -PL_ETOOBIG
			 : 0);
	else
		note(p, buf_puts(b, "q ") || put_nums(b, (const double[]){gray}, 1, "g ") ||
				put_nums(b, (const double[]){x, y, w, h}, 4, "re f Q\n")
			    ? -PL_ETOOBIG
			    : 0);
}

void pdf_qr(struct pdf *p, double x, double y, double side, const char *text)
{
	struct buf *b = cur(p);
	QRcode *q;
	double m;
	int rc = 0, n;

	if (!b)
		return;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q) {
		note(p, -PL_EINVAL); /* longer than a QR code holds */
		return;
	}
	n = q->width;
	m = side / (n + 8); /* 4 modules of quiet zone each side */
	rc = buf_puts(b, "q 0 g\n");
	for (int r = 0; r < n && rc == 0; r++) {
		for (int c = 0; c < n && rc == 0;) {
			int len = 0;
			while (c + len < n && (q->data[r * n + c + len] & 1))
				len++;
			if (len) {
				/* edges on the same rounded grid: no hairline gaps */
				double x0 = r2(x + (4 + c) * m), x1 = r2(x + (4 + c + len) * m);
				double y1 = r2(y + side - (4 + r) * m),
				       y0 = r2(y + side - (4 + r + 1) * m);
				rc = put_nums(b, (const double[]){x0, y0, x1 - x0, y1 - y0}, 4,
					      "re\n");
			}
			c += len ? len : 1;
		}
	}
	if (rc == 0)
		rc = buf_puts(b, "f Q\n");
	QRcode_free(q);
	note(p, rc);
}

/* ---- writing ------------------------------------------------------------ */

struct wr {
	struct buf *out;
	size_t *off; /* byte offset of object i */
	size_t nobj;
	int rc;
};

static void obj_begin(struct wr *w, size_t id)
{
	if (w->rc)
		return;
	w->off[id] = w->out->len;
	w->rc = buf_printf(w->out, "%zu 0 obj\n", id);
}

static void put(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct wr *w, const char *fmt, ...)
{
	va_list ap;

	if (w->rc)
		return;
	va_start(ap, fmt);
	w->rc = buf_vprintf(w->out, fmt, ap);
	va_end(ap);
}

/* A Flate stream object; `extra` goes into its dictionary. Level 1: zlib
 * was a third of a PDF's time at level 6; level 1 is ~25% more PDFs/s for
 * ~8% more bytes (bench_pdf: 17.6 -> 19.0 KB an invoice). */
static void stream_obj(struct wr *w, size_t id, const char *extra, const void *data, size_t len)
{
	uLongf zlen;
	Bytef *z;

	if (w->rc)
		return;
	zlen = compressBound((uLong)len);
	z = malloc(zlen ? zlen : 1);
	if (!z) {
		w->rc = -PL_ENOMEM;
		return;
	}
	if (compress2(z, &zlen, data, (uLong)len, Z_BEST_SPEED) != Z_OK) {
		free(z);
		w->rc = -PL_EIO;
		return;
	}
	obj_begin(w, id);
	put(w, "<< /Length %lu /Filter /FlateDecode%s >>\nstream\n", (unsigned long)zlen,
	    extra ? extra : "");
	if (!w->rc)
		w->rc = buf_append(w->out, z, zlen);
	put(w, "\nendstream\nendobj\n");
	free(z);
}

static void put_utf16(struct wr *w, unsigned cp)
{
	if (cp >= 0x10000) {
		cp -= 0x10000;
		put(w, "%04X%04X", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
	} else {
		put(w, "%04X", cp);
	}
}

/* Subset tag: six capitals from the glyph set (same glyphs, same tag). */
static void subset_tag(const uint32_t *gcp, unsigned n, char tag[7])
{
	uint32_t h = 2166136261u;

	for (unsigned g = 0; g < n; g++)
		if (gcp[g])
			h = (h ^ g) * 16777619u;
	for (int i = 0; i < 6; i++, h /= 26)
		tag[i] = (char)('A' + h % 26);
	tag[6] = '\0';
}

/* Objects id..id+5: Type0, CIDFont, descriptor, FontFile2, ToUnicode,
 * CIDToGIDMap. The content streams name glyphs by the font's own ids (the
 * CIDs); the subset numbers its glyphs anew (small loca/hmtx: a third of the
 * bytes and of the time of keeping the ids), and CIDToGIDMap maps one to
 * the other. */
static void font_objs(struct wr *w, size_t id, const struct pdf_font *f, const uint32_t *gcp)
{
	hb_subset_input_t *in = NULL;
	hb_subset_plan_t *plan = NULL;
	hb_face_t *sub = NULL;
	hb_blob_t *blob = NULL;
	const char *data;
	unsigned len = 0, used = 0;
	char tag[7], extra[48];

	if (w->rc)
		return;
	subset_tag(gcp, f->nglyphs, tag);
	in = hb_subset_input_create_or_fail();
	if (!in) {
		w->rc = -PL_ENOMEM;
		return;
	}
	hb_set_t *gs = hb_subset_input_glyph_set(in);
	hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
	/* A PDF viewer draws glyphs by id: shaping, kerning and naming tables
	 * are dead weight, and subsetting GSUB/GPOS is most of HarfBuzz's time. */
	static const char *const dead[] = {"GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF",
					   "MATH", "hdmx", "VDMX", "LTSH", "gasp", "DSIG",
					   "FFTM", "name", "morx", "mort", "feat"};
	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		hb_set_add(drop, HB_TAG(dead[i][0], dead[i][1], dead[i][2], dead[i][3]));
	hb_set_clear(hb_subset_input_unicode_set(in));
	hb_set_add(gs, 0);
	for (unsigned g = 1; g < f->nglyphs; g++)
		if (gcp[g])
			hb_set_add(gs, g);
	hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
	plan = hb_subset_plan_create_or_fail(f->pre ? f->pre : f->face, in);
	hb_subset_input_destroy(in);
	if (plan)
		sub = hb_subset_plan_execute_or_fail(plan);
	if (!sub) {
		hb_subset_plan_destroy(plan);
		w->rc = -PL_EIO;
		return;
	}
	blob = hb_face_reference_blob(sub);
	data = hb_blob_get_data(blob, &len);
	if (!data || !len) {
		w->rc = -PL_EIO;
		goto out;
	}

	obj_begin(w, id);
	put(w,
	    "<< /Type /Font /Subtype /Type0 /BaseFont /%s+%s /Encoding /Identity-H "
	    "/DescendantFonts [%zu 0 R] /ToUnicode %zu 0 R >>\nendobj\n",
	    tag, f->name, id + 1, id + 4);
	obj_begin(w, id + 1);
	put(w,
	    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s+%s /CIDSystemInfo << /Registry "
	    "(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %zu 0 R "
	    "/CIDToGIDMap %zu 0 R /DW 1000 /W [",
	    tag, f->name, id + 2, id + 5);
	for (unsigned g = 0; g < f->nglyphs; g++)
		if (gcp[g])
			put(w, "%u [%u] ", g, f->w[g]);
	put(w, "] >>\nendobj\n");
	obj_begin(w, id + 2);
	put(w,
	    "<< /Type /FontDescriptor /FontName /%s+%s /Flags 32 /FontBBox [%d %d %d %d] "
	    "/ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %zu 0 R "
	    ">>\nendobj\n",
	    tag, f->name, f->bbox[0], f->bbox[1], f->bbox[2], f->bbox[3], f->ascent, f->descent,
	    f->ascent * 3 / 4, id + 3);
	snprintf(extra, sizeof(extra), " /Length1 %u", len);
	stream_obj(w, id + 3, extra, data, len);

	/* ToUnicode: what pdftotext and copy-paste give back */
	struct buf cm;
	buf_init(&cm, PDF_MAX_BYTES);
	struct wr cw = {.out = &cm};
	put(&cw, "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
		 "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
		 "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
		 "1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
	for (unsigned g = 0; g < f->nglyphs; g++)
		used += gcp[g] != 0;
	for (unsigned g = 0, k = 0; g < f->nglyphs && !cw.rc; g++) {
		if (!gcp[g])
			continue;
		if (k % 100 == 0)
			put(&cw, "%u beginbfchar\n", used - k < 100 ? used - k : 100);
		put(&cw, "<%04X> <", g);
		put_utf16(&cw, gcp[g]);
		put(&cw, ">\n");
		if (++k % 100 == 0 || k == used)
			put(&cw, "endbfchar\n");
	}
	put(&cw, "endcmap CMapName currentdict /CMap defineresource pop end end\n");
	if (cw.rc)
		w->rc = cw.rc;
	stream_obj(w, id + 4, NULL, cm.data, cm.len);

	/* CIDToGIDMap: big-endian new glyph id of each CID up to the last used */
	{
		const hb_map_t *map = hb_subset_plan_old_to_new_glyph_mapping(plan);
		unsigned last = 0;
		for (unsigned g = 0; g < f->nglyphs; g++)
			if (gcp[g])
				last = g;
		buf_reset(&cm);
		for (unsigned g = 0; g <= last && !w->rc; g++) {
			hb_codepoint_t ng = gcp[g] ? hb_map_get(map, g) : 0;
			char be[2];
			if (ng == HB_MAP_VALUE_INVALID)
				ng = 0;
			be[0] = (char)(ng >> 8);
			be[1] = (char)ng;
			w->rc = buf_append(&cm, be, 2);
		}
		stream_obj(w, id + 5, NULL, cm.data, cm.len);
	}
	buf_release(&cm);
out:
	hb_blob_destroy(blob);
	hb_face_destroy(sub);
	hb_subset_plan_destroy(plan);
}

static void put_text_string(struct wr *w, const char *s)
{
	put(w, "<FEFF");
	while (*s) {
		unsigned cp = pdf_utf8_next(&s);
		put_utf16(w, cp);
	}
	put(w, ">");
}

int pdf_finish(struct pdf *p, struct buf *out)
{
	struct wr w = {.out = out};
	size_t font_id[2] = {0, 0}, next, page0, xref;
	int nfonts = p->f[1] ? 2 : 1;

	if (p->err)
		return p->err;
	if (!p->npages)
		pdf_page(p);
	buf_reset(out);
	/* 1 catalog, 2 pages, 3 info, 6 per font, 2 per page */
	w.nobj = 4 + 6 * (size_t)nfonts + 2 * p->npages;
	w.off = calloc(w.nobj, sizeof(*w.off));
	if (!w.off)
		return -PL_ENOMEM;
	next = 4;
	for (int i = 0; i < nfonts; i++, next += 6)
		font_id[i] = next;
	page0 = next;

	put(&w, "%%PDF-1.7\n%%\xE2\xE3\xCF\xD3\n");
	obj_begin(&w, 1);
	put(&w, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	obj_begin(&w, 2);
	put(&w, "<< /Type /Pages /Count %zu /Kids [", p->npages);
	for (size_t i = 0; i < p->npages; i++)
		put(&w, "%zu 0 R ", page0 + 2 * i);
	put(&w, "] >>\nendobj\n");
	obj_begin(&w, 3);
	put(&w, "<< /Producer (packline) /Title ");
	put_text_string(&w, p->title);
	put(&w, " >>\nendobj\n");
	for (int i = 0; i < nfonts; i++)
		font_objs(&w, font_id[i], p->f[i], p->gcp[i]);
	for (size_t i = 0; i < p->npages; i++) {
		obj_begin(&w, page0 + 2 * i);
		put(&w,
		    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font "
		    "<< /F1 %zu 0 R",
		    PDF_A4_W, PDF_A4_H, font_id[0]);
		if (nfonts > 1)
			put(&w, " /F2 %zu 0 R", font_id[1]);
		put(&w, " >> >> /Contents %zu 0 R >>\nendobj\n", page0 + 2 * i + 1);
		stream_obj(&w, page0 + 2 * i + 1, NULL, p->pages[i].data ? p->pages[i].data : "",
			   p->pages[i].len);
	}
	xref = out->len;
	put(&w, "xref\n0 %zu\n0000000000 65535 f \n", w.nobj);
	for (size_t i = 1; i < w.nobj; i++)
		put(&w, "%010zu 00000 n \n", w.off[i]);
	put(&w, "trailer\n<< /Size %zu /Root 1 0 R /Info 3 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	    w.nobj, xref);
	free(w.off);
	return w.rc;
}

#else /* !PL_HAVE_PDF */

int pdf_font_open(struct pdf_font **out, const char *path, char *err, size_t errsz)
{
	const char *why = "";
	(void)path;
	*out = NULL;
	pdf_lazy_load(&why);
	snprintf(err, errsz, "%s", why);
	return -PL_ENOTSUP;
}
void pdf_font_close(struct pdf_font *f)
{
	(void)f;
}
double pdf_font_width(const struct pdf_font *f, const char *s, double size)
{
	(void)f;
	(void)s;
	(void)size;
	return 0;
}
int pdf_new(struct pdf **out, struct pdf_font *regular, struct pdf_font *bold)
{
	(void)regular;
	(void)bold;
	*out = NULL;
	return -PL_ENOTSUP;
}
void pdf_free(struct pdf *p)
{
	(void)p;
}
void pdf_set_title(struct pdf *p, const char *t)
{
	(void)p;
	(void)t;
}
void pdf_page(struct pdf *p)
{
	(void)p;
}
size_t pdf_page_count(const struct pdf *p)
{
	(void)p;
	return 0;
}
void pdf_text(struct pdf *p, double x, double y, double size, int bold, const char *s)
{
	(void)p, (void)x, (void)y, (void)size, (void)bold, (void)s;
}
void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width)
{
	(void)p, (void)x1, (void)y1, (void)x2, (void)y2, (void)width;
}
void pdf_rect(struct pdf *p, double x, double y, double w, double h, double gray)
{
	(void)p, (void)x, (void)y, (void)w, (void)h, (void)gray;
}
void pdf_qr(struct pdf *p, double x, double y, double side, const char *text)
{
	(void)p, (void)x, (void)y, (void)side, (void)text;
}
int pdf_finish(struct pdf *p, struct buf *out)
{
	(void)p;
	(void)out;
	return -PL_ENOTSUP;
}
#endif
