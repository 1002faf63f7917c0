/* SPDX-License-Identifier: Apache-2.0 */
/* core/fa3.c - FA(3) XML writer, hash and KOD I (see fa3.h). */
#include "core/fa3.h"

#include "base/err.h"
#include "base/lazylib.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* Append `s` escaped; -PL_EINVAL when it is longer than `cap` characters
 * (UTF-8 code points, as the schema's maxLength counts) or holds a control
 * character XML 1.0 cannot carry. */
static int put_text(struct buf *b, const char *s, size_t cap)
{
	size_t chars = 0;
	int rc = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return -PL_EINVAL;
		switch (*p) {
		case '<':
			rc = buf_puts(b, "&lt;");
			break;
		case '>':
			rc = buf_puts(b, "&gt;");
			break;
		case '&':
			rc = buf_puts(b, "&amp;");
			break;
		case '"':
			rc = buf_puts(b, "&quot;");
			break;
		case '\'':
			rc = buf_puts(b, "&apos;");
			break;
		default:
			rc = buf_putc(b, (char)*p);
		}
	}
	if (rc == 0 && (chars == 0 || chars > cap))
		rc = -PL_EINVAL;
	return rc;
}

static int el_text(struct buf *b, const char *tag, const char *s, size_t cap)
{
	int rc = buf_printf(b, "<%s>", tag);
	if (rc == 0)
		rc = put_text(b, s, cap);
	if (rc == 0)
		rc = buf_printf(b, "</%s>", tag);
	return rc;
}

/* Minor units written exactly as "-12.34" (TKwotowy: 2 decimals). */
static int el_money(struct buf *b, const char *tag, int64_t minor)
{
	uint64_t a = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	return buf_printf(b, "<%s>%s%llu.%02llu</%s>", tag, minor < 0 ? "-" : "",
			  (unsigned long long)(a / 100), (unsigned long long)(a % 100), tag);
}

/* Fixed-point with `scale` decimals (10^scale = div), trailing zeros kept. */
static int el_fixed(struct buf *b, const char *tag, int64_t v, unsigned scale, int64_t div)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	return buf_printf(b, "<%s>%s%llu.%0*llu</%s>", tag, v < 0 ? "-" : "",
			  (unsigned long long)(a / (uint64_t)div), (int)scale,
			  (unsigned long long)(a % (uint64_t)div), tag);
}

static const char *p12_code(enum vat_rate r, int eu)
{
	switch (r) {
	case VAT_23:
		return "23";
	case VAT_8:
		return "8";
	case VAT_5:
		return "5";
	case VAT_0:
		return eu ? "0 WDT" : "0 KR";
	case VAT_ZW:
		return "zw";
	case VAT_NP:
		return "np I";
	case VAT_OO:
		return "oo";
	default:
		return NULL;
	}
}

static int sums_xml(struct buf *b, const struct document *d, const struct fa3_opts *o, int eu)
{
	static const char *const pairs[3][3] = {{"P_13_1", "P_14_1", "P_14_1W"},
						{"P_13_2", "P_14_2", "P_14_2W"},
						{"P_13_3", "P_14_3", "P_14_3W"}};
	int foreign = strcmp(d->currency, "PLN") != 0;
	int rc = 0;

	/* The schema orders P_13_x by rate, so walk rates, not d->sums. */
	for (int r = 0; r < VAT_RATE_COUNT && rc == 0; r++) {
		const struct doc_vat_sum *s = NULL;
		for (size_t i = 0; i < d->nsums; i++)
			if ((int)d->sums[i].vat == r)
				s = &d->sums[i];
		if (!s)
			continue;
		if (r <= VAT_5) {
			rc = el_money(b, pairs[r][0], s->net);
			if (rc == 0)
				rc = el_money(b, pairs[r][1], s->tax);
			/* PLN VAT of a foreign-currency invoice: tax x rate, rounded
			 * half away from zero (art. 106e ust. 11). */
			if (rc == 0 && foreign)
				rc = el_money(b, pairs[r][2],
					      money_muldiv_round(s->tax, o->rate_micro, 1000000));
		} else if (r == VAT_0) {
			rc = el_money(b, eu ? "P_13_6_2" : "P_13_6_1", s->net);
		} else if (r == VAT_ZW) {
			rc = el_money(b, "P_13_7", s->net);
		} else if (r == VAT_NP) {
			rc = el_money(b, "P_13_8", s->net);
		} else {
			rc = el_money(b, "P_13_10", s->net);
		}
	}
	return rc;
}

static int has_rate(const struct document *d, enum vat_rate r)
{
	for (size_t i = 0; i < d->nsums; i++)
		if (d->sums[i].vat == r)
			return 1;
	return 0;
}

int fa3_write(struct buf *out, const struct document *d, const struct fa3_seller *s,
	      const struct fa3_buyer *by, const struct fa3_opts *o)
{
	int eu, foreign, rc = -PL_EINVAL;

	if (!out || !d || !s || !by || !o || out->max > FA3_MAX_XML || !d->number[0] ||
	    (d->kind != DOC_INVOICE && d->kind != DOC_CORRECTION))
		return -PL_EINVAL;
	eu = by->country && strcmp(by->country, "PL") != 0;
	foreign = strcmp(d->currency, "PLN") != 0;
	if ((foreign && o->rate_micro <= 0) || (eu && !by->vat_id) || (!eu && !d->buyer_nip[0]) ||
	    !s->nip || strlen(s->nip) != 10 || !o->created ||
	    (has_rate(d, VAT_ZW) && !s->zw_basis) ||
	    (d->kind == DOC_CORRECTION && (!o->corr_number || !o->corr_date)))
		return -PL_EINVAL;
	buf_reset(out);

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) != 0)                                                               \
			goto out;                                                                  \
	} while (0)
	TRY(buf_puts(out,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<Faktura xmlns=\"http://crd.gov.pl/wzor/2025/06/25/13775/\">"
		     "<Naglowek><KodFormularza kodSystemowy=\"FA (3)\" wersjaSchemy=\"1-0E\">FA"
		     "</KodFormularza><WariantFormularza>3</WariantFormularza>"));
	TRY(el_text(out, "DataWytworzeniaFa", o->created, 20));
	TRY(buf_puts(out, "<SystemInfo>packline</SystemInfo></Naglowek>"));

	TRY(buf_puts(out, "<Podmiot1><DaneIdentyfikacyjne>"));
	TRY(el_text(out, "NIP", s->nip, 10));
	TRY(el_text(out, "Nazwa", s->name, 512));
	TRY(buf_puts(out, "</DaneIdentyfikacyjne><Adres>"));
	TRY(el_text(out, "KodKraju", s->country ? s->country : "PL", 2));
	TRY(el_text(out, "AdresL1", s->addr1, 512));
	if (s->addr2)
		TRY(el_text(out, "AdresL2", s->addr2, 512));
	TRY(buf_puts(out, "</Adres></Podmiot1>"));

	TRY(buf_puts(out, "<Podmiot2><DaneIdentyfikacyjne>"));
	if (eu) {
		TRY(el_text(out, "KodUE", by->country, 2));
		TRY(el_text(out, "NrVatUE", by->vat_id, 30));
	} else {
		TRY(el_text(out, "NIP", d->buyer_nip, 10));
	}
	TRY(el_text(out, "Nazwa", d->buyer_name, 512));
	TRY(buf_puts(out, "</DaneIdentyfikacyjne>"));
	if (by->addr1) {
		TRY(buf_puts(out, "<Adres>"));
		TRY(el_text(out, "KodKraju", eu ? by->country : "PL", 2));
		TRY(el_text(out, "AdresL1", by->addr1, 512));
		if (by->addr2)
			TRY(el_text(out, "AdresL2", by->addr2, 512));
		TRY(buf_puts(out, "</Adres>"));
	}
	/* JST/GV: the buyer is neither a local-government unit nor a VAT group member. */
	TRY(buf_puts(out, "<JST>2</JST><GV>2</GV></Podmiot2>"));

	TRY(buf_puts(out, "<Fa>"));
	TRY(el_text(out, "KodWaluty", d->currency, 3));
	TRY(el_text(out, "P_1", d->issue_date, 10));
	if (s->place)
		TRY(el_text(out, "P_1M", s->place, 256));
	TRY(el_text(out, "P_2", d->number, 256));
	if (d->sale_date[0] && strcmp(d->sale_date, d->issue_date) != 0)
		TRY(el_text(out, "P_6", d->sale_date, 10));
	TRY(sums_xml(out, d, o, eu));
	TRY(el_money(out, "P_15", d->total_gross));
	if (foreign)
		TRY(el_fixed(out, "KursWalutyZ", o->rate_micro, 6, 1000000));
	TRY(buf_puts(out, "<Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A>"
			  "<Zwolnienie>"));
	if (has_rate(d, VAT_ZW)) {
		TRY(buf_puts(out, "<P_19>1</P_19>"));
		TRY(el_text(out, "P_19A", s->zw_basis, 256));
	} else {
		TRY(buf_puts(out, "<P_19N>1</P_19N>"));
	}
	TRY(buf_puts(out, "</Zwolnienie><NoweSrodkiTransportu><P_22N>1</P_22N>"
			  "</NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN>"
			  "</PMarzy></Adnotacje>"));
	if (d->kind == DOC_CORRECTION) {
		TRY(buf_puts(out, "<RodzajFaktury>KOR</RodzajFaktury>"));
		if (o->corr_reason)
			TRY(el_text(out, "PrzyczynaKorekty", o->corr_reason, 256));
		/* TypKorekty 1: the correction takes effect on the original's date. */
		TRY(buf_puts(out, "<TypKorekty>1</TypKorekty><DaneFaKorygowanej>"));
		TRY(el_text(out, "DataWystFaKorygowanej", o->corr_date, 10));
		TRY(el_text(out, "NrFaKorygowanej", o->corr_number, 256));
		if (o->corr_ksef) {
			TRY(buf_puts(out, "<NrKSeF>1</NrKSeF>"));
			TRY(el_text(out, "NrKSeFFaKorygowanej", o->corr_ksef, 40));
		} else {
			TRY(buf_puts(out, "<NrKSeFN>1</NrKSeFN>"));
		}
		TRY(buf_puts(out, "</DaneFaKorygowanej>"));
	} else {
		TRY(buf_puts(out, "<RodzajFaktury>VAT</RodzajFaktury>"));
	}
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		const char *code = p12_code(l->vat, eu);
		if (!code) {
			rc = -PL_EINVAL;
			goto out;
		}
		TRY(buf_printf(out, "<FaWiersz><NrWierszaFa>%zu</NrWierszaFa>", i + 1));
		TRY(el_text(out, "P_7", l->name, 512));
		if (l->unit[0])
			TRY(el_text(out, "P_8A", l->unit, 256));
		TRY(el_fixed(out, "P_8B", l->qty, 3, 1000));
		/* Our amounts are gross-based (art. 106e ust. 7): unit gross P_9B, value P_11A. */
		TRY(el_money(out, "P_9B", l->unit_gross));
		TRY(el_money(out, "P_11A", l->gross));
		TRY(el_text(out, "P_12", code, 8));
		TRY(buf_puts(out, "</FaWiersz>"));
	}
	TRY(buf_puts(out, "</Fa></Faktura>\n"));
#undef TRY
out:
	return rc;
}

/* libcrypto is opened on first use (base/lazylib.h): the agent's idle
 * process must not map it (test_shipx checks), and only `docs xml` and the
 * PDF's KOD I ever hash. The prototypes come from <openssl/evp.h>. */
static const char *const fa3_crypto_names[] = {"EVP_Digest", "EVP_sha256"};
static void *fa3_crypto_fns[2];
static struct lazylib fa3_crypto =
    LAZYLIB_INIT("libcrypto.so.3", "libssl3", fa3_crypto_names, fa3_crypto_fns);

int fa3_hash_b64url(const void *data, size_t len, char out[44])
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t o = 0;

	if (lazylib_load(&fa3_crypto))
		return -PL_ENOTSUP; /* lazylib_error() says which package is missing */
	int (*digest)(const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *,
		      ENGINE *) = (int (*)(const void *, size_t, unsigned char *, unsigned int *,
					   const EVP_MD *, ENGINE *))lazylib_fn(&fa3_crypto, 0);
	const EVP_MD *(*sha256)(void) = (const EVP_MD *(*)(void))lazylib_fn(&fa3_crypto, 1);
	if (!digest(data, len, md, &mdlen, sha256(), NULL) || mdlen != 32)
		return -PL_EIO;
	for (size_t i = 0; i < 32; i += 3) {
		uint32_t v = (uint32_t)md[i] << 16;
		if (i + 1 < 32)
			v |= (uint32_t)md[i + 1] << 8;
		if (i + 2 < 32)
			v |= md[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < 32)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < 32)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
	return 0;
}

int fa3_kod1_url(char *out, size_t size, const char *host, const char *seller_nip,
		 const char *issue_date, const void *xml, size_t len)
{
	char h[44];
	int n, rc;

	if (!out || !host || !seller_nip || !issue_date || strlen(issue_date) != 10 ||
	    strlen(seller_nip) != 10)
		return -PL_EINVAL;
	if ((rc = fa3_hash_b64url(xml, len, h)) != 0)
		return rc;
	n = snprintf(out, size, "%s/invoice/%s/%.2s-%.2s-%.4s/%s", host, seller_nip, issue_date + 8,
		     issue_date + 5, issue_date, h);
	return n < 0 || (size_t)n >= size ? -PL_EINVAL : 0;
}
