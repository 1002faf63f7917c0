/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_doc_query.c - the documents list (store_doc_query) and
 * payments (store_doc_pay): every filter, full-text search kept in step by
 * triggers, keyset paging, bad input refused. */
#include "store/store.h"
#include "base/err.h"
#include "base/log.h"
#include "tests/unit/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/pl-docq-XXXXXX";

struct ids {
	int64_t v[64];
	size_t n;
};

static int collect(const struct document *d, void *arg)
{
	struct ids *ids = arg;

	if (ids->n < 64)
		ids->v[ids->n++] = d->id;
	return 0;
}

static int64_t add_doc(struct store *s, enum doc_kind kind, const char *number, const char *date,
		       const char *buyer, const char *nip, const char *order_no, int64_t gross,
		       int64_t paid, const char *station)
{
	struct document d;
	int64_t id;

	doc_init(&d);
	d.kind = kind;
	snprintf(d.number, sizeof(d.number), "%s", number);
	snprintf(d.issue_date, sizeof(d.issue_date), "%s", date);
	snprintf(d.sale_date, sizeof(d.sale_date), "%s", date);
	snprintf(d.currency, sizeof(d.currency), "PLN");
	snprintf(d.backend, sizeof(d.backend), "local");
	snprintf(d.buyer_name, sizeof(d.buyer_name), "%s", buyer);
	snprintf(d.buyer_nip, sizeof(d.buyer_nip), "%s", nip);
	snprintf(d.order_number, sizeof(d.order_number), "%s", order_no);
	snprintf(d.station, sizeof(d.station), "%s", station);
	d.state = DOC_ISSUED;
	d.total_gross = gross;
	d.amount_paid = paid;
	d.created = 1767300000;
	CHECK_OK(store_doc_insert(s, &d, NULL));
	id = d.id;
	doc_release(&d);
	return id;
}

static size_t run(struct store *s, const struct store_doc_query *q, struct ids *ids, int64_t *next)
{
	ids->n = 0;
	CHECK_OK(store_doc_query(s, q, collect, ids, next));
	return ids->n;
}

int main(void)
{
	char path[512];
	struct store *s = NULL;
	struct store_doc_query q;
	struct ids ids;
	int64_t next = -1, a, b, c, e, f, paid = 0;

	pl_log_set_level(PL_LOG_ERROR);
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/q.db", tmpdir);
	CHECK_OK(store_open(&s, path));
	if (!s)
		return check_done("test_doc_query");

	a = add_doc(s, DOC_INVOICE, "FV/2026/12/0001", "2026-12-01", "Jaźń Sp. z o.o.",
		    "5260250274", "ALG-1001", 12300, 12300, "st-a");
	b = add_doc(s, DOC_INVOICE, "FV/2026/12/0002", "2026-12-02", "Kowalski Jan", "", "ALG-1002",
		    5000, 0, "st-a");
	c = add_doc(s, DOC_RECEIPT, "PAR/77", "2026-12-03", "Nowak Anna", "", "SHOP-7", 999, 500,
		    "st-b");
	e = add_doc(s, DOC_CORRECTION, "KOR/1", "2026-12-04", "Jaźń Sp. z o.o.", "5260250274",
		    "ALG-1001", -2000, 0, "st-b");
	f = add_doc(s, DOC_PROFORMA, "PRO/1", "2026-11-30", "Zięba 50% _x", "", "X-1", 100, 0, "");

	/* no filter: everything, newest first */
	memset(&q, 0, sizeof(q));
	CHECK_INT(run(s, &q, &ids, &next), 5);
	CHECK_INT(ids.v[0], f);
	CHECK_INT(ids.v[4], a);
	CHECK_INT(next, 0);

	/* kind, state */
	q.has_kind = true;
	q.kind = DOC_INVOICE;
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	CHECK_INT(ids.v[0], b);
	q.has_state = true;
	q.state = DOC_CANCELLED;
	CHECK_INT(run(s, &q, &ids, NULL), 0);

	/* payment state */
	memset(&q, 0, sizeof(q));
	q.pay = STORE_PAY_PAID;
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], a);
	q.pay = STORE_PAY_UNPAID;
	CHECK_INT(run(s, &q, &ids, NULL), 3); /* b, e (a correction not paid back), f */
	q.pay = STORE_PAY_PARTLY;
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], c);

	/* dates (inclusive) and station */
	memset(&q, 0, sizeof(q));
	q.from = "2026-12-02";
	q.to = "2026-12-03";
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	CHECK_INT(ids.v[0], c);
	CHECK_INT(ids.v[1], b);
	q.from = q.to = NULL;
	q.station = "st-b";
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	CHECK_INT(ids.v[0], e);

	/* full text: number, buyer (case- and position-insensitive), NIP
	 * with dashes, order number, several words, short words by LIKE */
	memset(&q, 0, sizeof(q));
	q.search = "12/0002";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], b);
	q.search = "kowal";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], b);
	q.search = "JAŹŃ";
	CHECK_INT(run(s, &q, &ids, NULL), 2); /* the trigram index folds Polish case too */
	q.search = "jaźń";
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	q.search = "526-025-02-74";
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	q.search = "alg-1001 kor";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], e);
	q.search = "77";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], c);
	q.search = "50%";
	CHECK_INT(run(s, &q, &ids, NULL), 1); /* % is a letter here, not a wildcard */
	q.search = "0%";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	q.search = "_";
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	q.search = "\"";
	CHECK_INT(run(s, &q, &ids, NULL), 0);
	q.search = "\"AND OR NEAR(";
	CHECK_INT(run(s, &q, &ids, NULL), 0); /* FTS syntax is quoted, never an error */
	q.search = "nothing-like-this";
	CHECK_INT(run(s, &q, &ids, NULL), 0);
	q.search = "   ";
	CHECK_INT(run(s, &q, &ids, NULL), 5);

	/* filters combine */
	q.search = "jaźń";
	q.has_kind = true;
	q.kind = DOC_CORRECTION;
	CHECK_INT(run(s, &q, &ids, NULL), 1);
	CHECK_INT(ids.v[0], e);

	/* keyset paging: 2 + 2 + 1, each page's cursor leads to the next */
	memset(&q, 0, sizeof(q));
	q.limit = 2;
	CHECK_INT(run(s, &q, &ids, &next), 2);
	CHECK_INT(ids.v[0], f);
	CHECK_INT(next, e);
	q.after = next;
	CHECK_INT(run(s, &q, &ids, &next), 2);
	CHECK_INT(ids.v[0], c);
	CHECK_INT(next, b);
	q.after = next;
	CHECK_INT(run(s, &q, &ids, &next), 1);
	CHECK_INT(ids.v[0], a);
	CHECK_INT(next, 0);

	/* bad input */
	memset(&q, 0, sizeof(q));
	q.from = "2026-13-01";
	CHECK_INT(store_doc_query(s, &q, collect, &ids, NULL), -PL_EINVAL);
	q.from = "1.12.2026";
	CHECK_INT(store_doc_query(s, &q, collect, &ids, NULL), -PL_EINVAL);
	q.from = NULL;
	q.limit = STORE_DOC_QUERY_MAX + 1;
	CHECK_INT(store_doc_query(s, &q, collect, &ids, NULL), -PL_EINVAL);
	q.limit = 0;
	char big[STORE_DOC_SEARCH_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q.search = big;
	CHECK_INT(store_doc_query(s, &q, collect, &ids, NULL), -PL_EINVAL);

	/* payments: partly, then paid; over the total refused, nothing written */
	CHECK_OK(store_doc_pay(s, b, 2000, "anna", 1767300000, &paid));
	CHECK_INT(paid, 2000);
	memset(&q, 0, sizeof(q));
	q.pay = STORE_PAY_PARTLY;
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	CHECK_INT(store_doc_pay(s, b, 3001, "anna", 1767300000, &paid), -PL_ETOOBIG);
	CHECK_OK(store_doc_pay(s, b, 3000, "anna", 1767300000, &paid));
	CHECK_INT(paid, 5000);
	q.pay = STORE_PAY_PAID;
	CHECK_INT(run(s, &q, &ids, NULL), 2);
	/* a correction pays back: the amount takes the total's sign */
	CHECK_OK(store_doc_pay(s, e, 2000, "anna", 1767300000, &paid));
	CHECK_INT(paid, -2000);
	CHECK_INT(store_doc_pay(s, e, 1, "anna", 1767300000, NULL), -PL_ETOOBIG);
	CHECK_INT(store_doc_pay(s, 9999, 1, "anna", 1767300000, NULL), -PL_ENOTFOUND);
	CHECK_INT(store_doc_pay(s, a, 0, "anna", 1767300000, NULL), -PL_EINVAL);
	CHECK_OK(store_doc_set_state(s, c, DOC_CANCELLED, NULL));
	CHECK_INT(store_doc_pay(s, c, 1, "anna", 1767300000, NULL), -PL_ESTATE);
	{
		struct document d;
		doc_init(&d);
		CHECK_OK(store_doc_get(s, c, &d));
		CHECK_INT(d.amount_paid, 500);
		CHECK_STR(d.station, "st-b");
		doc_release(&d);
	}

	store_close(s);
	/* the index is rebuilt from existing rows when an old file migrates:
	 * checked by test_store's migration test; here the file re-opens */
	s = NULL;
	CHECK_OK(store_open(&s, path));
	memset(&q, 0, sizeof(q));
	q.search = "PAR/77";
	if (s)
		CHECK_INT(run(s, &q, &ids, NULL), 1);
	store_close(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return check_done("test_doc_query");
}
