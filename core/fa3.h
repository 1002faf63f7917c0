/* SPDX-License-Identifier: Apache-2.0 */
/* core/fa3.h - the KSeF FA(3) XML of one of our own documents, its SHA-256
 * and the KSeF verification link (KOD I).
 *
 * Pure: no I/O. The XML is hand-written into a capped struct buf so the bytes
 * are exact (the hash and KOD I are over these very bytes). Every text is
 * XML-escaped and checked against the schema's length cap (TZnakowy: 256,
 * TZnakowy512: 512); a text over its cap is -PL_EINVAL, never cut.
 *
 * Kinds written: DOC_INVOICE (RodzajFaktury VAT) and DOC_CORRECTION (KOR, a
 * difference correction: the document's lines carry the change, negative
 * for goods taken back). Other kinds are -PL_EINVAL (advance/final: not done).
 *
 * Ownership: fa3_write() fills the caller's buf; nothing is kept.
 */
#ifndef PL_CORE_FA3_H
#define PL_CORE_FA3_H

#include "base/buf.h"
#include "core/document.h"

#include <stddef.h>
#include <stdint.h>

/* Cap of the XML we write: KSeF takes at most 1 000 000 bytes. */
#define FA3_MAX_XML 1000000u

struct fa3_seller {
	const char *nip;      /* 10 digits */
	const char *name;     /* <= 512 */
	const char *country;  /* "PL" */
	const char *addr1;    /* <= 512 */
	const char *addr2;    /* <= 512, may be NULL */
	const char *place;    /* P_1M, may be NULL */
	const char *zw_basis; /* P_19A: legal basis of a VAT exemption, needed with zw lines */
};

struct fa3_buyer {
	const char *country; /* ISO 3166 alpha-2; "PL" uses the document's buyer_nip */
	const char
	    *vat_id; /* EU VAT id without the country prefix (buyer outside PL), may be NULL */
	const char *addr1; /* may be NULL */
	const char *addr2;
};

struct fa3_opts {
	const char *created;     /* DataWytworzeniaFa, "YYYY-MM-DDThh:mm:ssZ" */
	int64_t rate_micro;      /* exchange rate to PLN x 1e6 (non-PLN currency), else 0 */
	const char *corr_number; /* correction: number of the corrected invoice */
	const char *corr_date;   /* correction: its issue date YYYY-MM-DD */
	const char *corr_ksef;   /* correction: its KSeF number, NULL if none */
	const char *corr_reason; /* correction: PrzyczynaKorekty, may be NULL */
};

/* Write the XML of `d` into `out` (reset first; its max must be <= FA3_MAX_XML).
 * 0, -PL_EINVAL (unsupported kind, missing or over-long field, no number),
 * -PL_ENOMEM / -PL_ETOOBIG from the buffer. */
int fa3_write(struct buf *out, const struct document *d, const struct fa3_seller *s,
	      const struct fa3_buyer *b, const struct fa3_opts *o);

/* SHA-256 of `len` bytes as base64url without padding (43 chars + NUL) into
 * out[44]. 0 or -PL_EIO (libcrypto failed). */
int fa3_hash_b64url(const void *data, size_t len, char out[44]);

/* KOD I: "{host}/invoice/{nip}/{DD-MM-YYYY}/{hash}" with host e.g.
 * "https://qr-test.ksef.mf.gov.pl"; issue_date is YYYY-MM-DD. 0 or -PL_EINVAL. */
int fa3_kod1_url(char *out, size_t size, const char *host, const char *seller_nip,
		 const char *issue_date, const void *xml, size_t len);

#endif
