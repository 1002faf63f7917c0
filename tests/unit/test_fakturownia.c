/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_fakturownia.c - the fakturownia JSON mapping (connectors/fakturownia.h):
 * the create body of each kind (exact decimals from minor units and thousandths, taxes as
 * numbers or words, the buyer as company / EU VAT id / consumer, oid + oid_unique, KSeF's
 * gov_save_and_send only for kinds KSeF takes), a correction's positions with the state
 * before and after, the 256-byte reason cap, and the parsers of the service's answers
 * (invoice, error bodies with 422 field maps or HTTP 200 + "status":"error", list with the
 * oid compared exactly).
 */
#include "base/err.h"
#include "connectors/fakturownia.h"
#include "core/document.h"
#include "core/order.h"
#include "tests/unit/check.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct order *o, const char *sku, const char *name, int64_t qty, int64_t price,
		enum vat_rate vat)
{
	struct order_line l = {0};

	snprintf(l.sku, sizeof(l.sku), "%s", sku);
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.qty = qty;
	l.unit_price = price;
	l.vat = vat;
	snprintf(l.unit, sizeof(l.unit), "szt");
	order_add_line(o, &l);
}

static void make_order(struct order *o)
{
	order_init(o);
	o->id = 5;
	strcpy(o->source, "shop");
	strcpy(o->ext_id, "A1");
	strcpy(o->number, "ZK/1");
	strcpy(o->status, "paid");
	strcpy(o->currency, "PLN");
	strcpy(o->buyer.name, "Jan Nowak");
	strcpy(o->buyer.company, "Klient1 Sp. z o.o.");
	strcpy(o->buyer.nip, "6272616681");
	strcpy(o->buyer.email, "jan@example.pl");
	strcpy(o->buyer.billing.street, "Nowa 44");
	strcpy(o->buyer.billing.postcode, "30-314");
	strcpy(o->buyer.billing.city, "Kraków");
	strcpy(o->buyer.billing.country, "PL");
	strcpy(o->payment.type, "cod");
	add(o, "SKU-A1", "Produkt A1", 2000, 1230, VAT_23);
	add(o, "B", "Książka", 1500, 1000, VAT_ZW);
	o->delivery.cost = 1299;
	o->delivery.cost_vat = VAT_23;
	o->total = order_computed_total(o);
}

static struct fkt client;

static cJSON *body_of(const struct document *d, const struct order *o, int64_t adv,
		      const struct fkt_corr *c)
{
	char *txt = fkt_invoice_json(&client, d, o, "invoice:shop:A1", "2026-12-07", adv, c);
	cJSON *j;

	if (!txt)
		return NULL;
	j = cJSON_Parse(txt);
	free(txt);
	return j;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static void test_invoice(void)
{
	struct order o;
	struct document d;
	cJSON *b, *inv, *pos, *p;

	make_order(&o);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1796630400));
	b = body_of(&d, &o, 0, NULL);
	CHECK(b != NULL);
	if (!b)
		goto out;
	CHECK_STR(str(b, "api_token"), "tok-1");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(b, "gov_save_and_send")));
	inv = cJSON_GetObjectItem(b, "invoice");
	CHECK_STR(str(inv, "kind"), "vat");
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(inv, "number")));
	CHECK_STR(str(inv, "oid"), "invoice:shop:A1");
	CHECK_STR(str(inv, "oid_unique"), "yes");
	CHECK_STR(str(inv, "issue_date"), "2026-12-07");
	CHECK_STR(str(inv, "payment_to"), "2026-12-14");
	CHECK_STR(str(inv, "payment_type"), "cash_on_delivery");
	CHECK_STR(str(inv, "currency"), "PLN");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(inv, "buyer_company")));
	CHECK_STR(str(inv, "buyer_name"), "Klient1 Sp. z o.o.");
	CHECK_STR(str(inv, "buyer_tax_no"), "6272616681");
	CHECK_STR(str(inv, "buyer_tax_no_kind"), "");
	CHECK_STR(str(inv, "buyer_post_code"), "30-314");
	CHECK_INT((int)cJSON_GetObjectItem(inv, "department_id")->valuedouble, 12);
	pos = cJSON_GetObjectItem(inv, "positions");
	CHECK_INT(cJSON_GetArraySize(pos), 3);
	p = cJSON_GetArrayItem(pos, 0);
	CHECK_STR(str(p, "name"), "Produkt A1");
	CHECK_STR(str(p, "code"), "SKU-A1");
	CHECK_STR(str(p, "quantity"), "2");
	CHECK_STR(str(p, "total_price_gross"), "24.6");
	CHECK_INT((int)cJSON_GetObjectItem(p, "tax")->valuedouble, 23);
	p = cJSON_GetArrayItem(pos, 1);
	CHECK_STR(str(p, "quantity"), "1.5");
	CHECK_STR(str(p, "total_price_gross"), "15");
	CHECK_STR(str(p, "tax"), "zw");
	p = cJSON_GetArrayItem(pos, 2);
	CHECK_STR(str(p, "total_price_gross"), "12.99");
	cJSON_Delete(b);

	/* an EU VAT id; a consumer: first and last name */
	strcpy(o.buyer.nip, "DE123456789");
	strcpy(d.buyer_nip, "DE123456789");
	b = body_of(&d, &o, 0, NULL);
	CHECK_STR(str(cJSON_GetObjectItem(b, "invoice"), "buyer_tax_no_kind"), "nip_ue");
	cJSON_Delete(b);
	o.buyer.nip[0] = d.buyer_nip[0] = o.buyer.company[0] = d.buyer_name[0] = '\0';
	b = body_of(&d, &o, 0, NULL);
	inv = cJSON_GetObjectItem(b, "invoice");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(inv, "buyer_company")));
	CHECK_STR(str(inv, "buyer_first_name"), "Jan");
	CHECK_STR(str(inv, "buyer_last_name"), "Nowak");
	cJSON_Delete(b);

	/* a proforma is not for KSeF; a final names its advance */
	d.kind = DOC_PROFORMA;
	b = body_of(&d, &o, 0, NULL);
	CHECK(cJSON_GetObjectItem(b, "gov_save_and_send") == NULL);
	CHECK_STR(str(cJSON_GetObjectItem(b, "invoice"), "kind"), "proforma");
	cJSON_Delete(b);
	d.kind = DOC_FINAL;
	b = body_of(&d, &o, 4242, NULL);
	inv = cJSON_GetObjectItem(b, "invoice");
	CHECK_STR(str(inv, "kind"), "final");
	CHECK_INT((int)cJSON_GetArrayItem(cJSON_GetObjectItem(inv, "invoice_ids"), 0)->valuedouble,
		  4242);
	cJSON_Delete(b);
	d.kind = DOC_WZ;
	CHECK(body_of(&d, &o, 0, NULL) == NULL);
	CHECK(strstr(fkt_error(&client), "not issued there") != NULL);
out:
	doc_release(&d);
	order_release(&o);
}

static void test_correction(void)
{
	struct order o;
	struct document d;
	struct fkt_corr c = {0};
	int64_t bq[1] = {2000}, bg[1] = {2460};
	char longr[300];
	cJSON *b, *inv, *p, *s;

	make_order(&o);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1796630400));
	/* take back one of the two "Produkt A1": one line, the difference */
	d.kind = DOC_CORRECTION;
	d.nlines = 1;
	d.lines[0].qty = -1000;
	d.lines[0].gross = -1230;
	c.invoice_id = 2432393;
	c.reason = "Zwrot 1 szt.";
	c.before_qty = bq;
	c.before_gross = bg;
	CHECK(body_of(&d, &o, 0, NULL) == NULL); /* a correction needs its invoice */
	b = body_of(&d, &o, 0, &c);
	CHECK(b != NULL);
	if (!b)
		goto out;
	inv = cJSON_GetObjectItem(b, "invoice");
	CHECK_STR(str(inv, "kind"), "correction");
	CHECK_STR(str(inv, "correction_reason"), "Zwrot 1 szt.");
	CHECK_INT((int)cJSON_GetObjectItem(inv, "invoice_id")->valuedouble, 2432393);
	CHECK_INT((int)cJSON_GetObjectItem(inv, "from_invoice_id")->valuedouble, 2432393);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(inv, "positions"), 0);
	CHECK_STR(str(p, "kind"), "correction");
	CHECK_STR(str(p, "quantity"), "-1");
	CHECK_STR(str(p, "total_price_gross"), "-12.3");
	s = cJSON_GetObjectItem(p, "correction_before_attributes");
	CHECK_STR(str(s, "quantity"), "2");
	CHECK_STR(str(s, "total_price_gross"), "24.6");
	CHECK_STR(str(s, "kind"), "correction_before");
	s = cJSON_GetObjectItem(p, "correction_after_attributes");
	CHECK_STR(str(s, "quantity"), "1");
	CHECK_STR(str(s, "total_price_gross"), "12.3");
	CHECK_STR(str(s, "kind"), "correction_after");
	cJSON_Delete(b);
	memset(longr, 'x', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	c.reason = longr;
	CHECK(body_of(&d, &o, 0, &c) == NULL);
	CHECK(strstr(fkt_error(&client), "256") != NULL);
out:
	d.nlines = 3;
	doc_release(&d);
	order_release(&o);
}

static void test_parsers(void)
{
	static const char inv[] =
	    "{\"id\":462474442,\"number\":\"17/05/2026\",\"kind\":\"vat\",\"status\":\"issued\","
	    "\"price_gross\":\"37.59\",\"oid\":\"invoice:shop:A1\",\"token\":\"HBO3\","
	    "\"gov_status\":\"send_error\",\"gov_id\":null,"
	    "\"gov_error_messages\":[\"zły NIP\",\"brak adresu\"]}";
	static const char e422[] = "{\"code\":\"error\",\"message\":{\"buyer_tax_no\":[\"- nie "
				   "może być puste\"],\"oid\":[\"- jest już zajęte\"]}}";
	static const char e200[] = "{\"message\":\"Faktura nie może zostać wysłana - brak numeru "
				   "KSeF\",\"status\":\"error\"}";
	static const char list[] = "[{\"id\":1,\"oid\":\"invoice:shop:A10\",\"number\":\"1/2026\"},"
				   "{\"id\":2,\"oid\":\"invoice:shop:A1\",\"number\":\"2/2026\"}]";
	struct fkt_invoice v;
	char err[256];
	size_t n;

	CHECK_OK(fkt_parse_invoice(inv, strlen(inv), &v, err, sizeof(err)));
	CHECK_INT((int)v.id, 462474442);
	CHECK_STR(v.number, "17/05/2026");
	CHECK_INT((int)v.price_gross, 3759);
	CHECK_STR(v.gov_status, "send_error");
	CHECK_STR(v.gov_id, "");
	CHECK_STR(v.gov_errors, "zły NIP; brak adresu");
	CHECK_INT(fkt_parse_invoice(e422, strlen(e422), &v, err, sizeof(err)), -PL_EINVAL);
	CHECK(strstr(err, "buyer_tax_no: - nie może być puste") != NULL);
	CHECK(strstr(err, "oid:") != NULL);
	CHECK_INT(fkt_parse_invoice(e200, strlen(e200), &v, err, sizeof(err)), -PL_EINVAL);
	CHECK(strstr(err, "brak numeru KSeF") != NULL);
	CHECK_INT(fkt_parse_invoice("[1]", 3, &v, err, sizeof(err)), -PL_EPROTO);
	CHECK_INT(fkt_parse_invoice("{\"id\":\"x\"}", 10, &v, err, sizeof(err)), -PL_EPROTO);
	CHECK_OK(fkt_parse_error(e200, strlen(e200), err, sizeof(err)));
	CHECK_INT(fkt_parse_error(inv, strlen(inv), err, sizeof(err)), -PL_ENOTFOUND);
	/* the list filter may match more: the oid is compared exactly */
	CHECK_OK(fkt_parse_list(list, strlen(list), "invoice:shop:A1", &v, &n));
	CHECK_INT((int)v.id, 2);
	CHECK_INT((int)n, 2);
	CHECK_INT(fkt_parse_list(list, strlen(list), "invoice:shop:A", &v, &n), -PL_ENOTFOUND);
	CHECK_INT(fkt_parse_list("{}", 2, "x", &v, &n), -PL_EPROTO);
	CHECK(fkt_gov_ok("ok") && fkt_gov_ok("demo_ok") && !fkt_gov_ok("processing"));
	CHECK(fkt_gov_pending("processing") && fkt_gov_pending("") &&
	      !fkt_gov_pending("send_error"));
	CHECK(fkt_kind_ksef("vat") && fkt_kind_ksef("correction") && !fkt_kind_ksef("proforma"));
}

int main(void)
{
	struct fkt_cfg cfg;

	fkt_cfg_init(&cfg);
	snprintf(cfg.url, sizeof(cfg.url), "https://acme.fakturownia.pl");
	snprintf(cfg.token, sizeof(cfg.token), "tok-1");
	cfg.department_id = 12;
	CHECK_OK(fkt_init(&client, &cfg));
	test_invoice();
	test_correction();
	test_parsers();
	fkt_release(&client);
	/* plain http only to loopback */
	snprintf(cfg.url, sizeof(cfg.url), "http://acme.fakturownia.pl");
	CHECK_INT(fkt_init(&client, &cfg), -PL_ECONFIG);
	return check_done("test_fakturownia");
}
