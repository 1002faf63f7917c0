/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_config.c - the INI configuration: every error with its place. */
#include "agent/config.h"
#include "base/err.h"
#include "core/rules.h"
#include "core/template.h"
#include "check.h"

#include <stdarg.h>
#include <unistd.h>

static char dir[] = "/tmp/test_config.XXXXXX";

static const char *write_ini(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load text; return the rc and leave the diag's joined text in out. */
static int load(const char *text, char *out, size_t size, struct config **cfg)
{
	const char *path = write_ini("t.ini", text);
	struct diag d;
	struct config *c = NULL;
	int rc;
	size_t used = 0;

	diag_init(&d);
	rc = config_load(&c, path, &d);
	out[0] = '\0';
	for (size_t i = 0; i < d.n && used < size; i++) {
		const char *w = d.v[i].where ? d.v[i].where : "";
		if (strncmp(w, dir, strlen(dir)) == 0)
			w += strlen(dir) + 1; /* "DIR/t.ini:3" -> "t.ini:3" */
		used += (size_t)snprintf(out + used, size - used, "%s: %s\n", w, d.v[i].msg);
	}
	diag_release(&d);
	if (cfg)
		*cfg = c;
	else
		config_free(c);
	return rc;
}

#define CHECK_HAS(hay, needle)                                                                     \
	do {                                                                                       \
		if (strstr((hay), (needle))) {                                                     \
			check_pass++;                                                              \
		} else {                                                                           \
			check_fail++;                                                              \
			fprintf(stderr, "%s:%d: expected \"%s\" in:\n%s\n", __FILE__, __LINE__,    \
				(needle), (hay));                                                  \
		}                                                                                  \
	} while (0)

static void test_good(void)
{
	char msg[4096];
	struct config *c = NULL;
	int rc = load("; station config\n"
		      "[packline]\n"
		      "store = sqlite:/var/lib/packline/p.db\n"
		      "station = pack-3\n"
		      "log_level = info\n"
		      "\n"
		      "[numbering \"invoice\"]\n"
		      "pattern = FA{YYYY}{NNN}\n"
		      "reset = year\n"
		      "\n"
		      "[rule \"company\"]\n"
		      "when = not empty(buyer.nip)\n"
		      "       and total >= 100.00\n"
		      "issue = invoice\n"
		      "then = label, email\n"
		      "\n"
		      "[rule \"default\"]\n"
		      "when = true\n"
		      "issue = receipt\n"
		      "\n"
		      "[template]\n"
		      "document.footer = Zamówienie {order.number}\n"
		      "email.subject = Faktura {document.number}\n"
		      "\n"
		      "[printer \"fiscal\"]\n"
		      "transport = tcp:127.0.0.1:6666\n"
		      "\n"
		      "[shipx]\n"
		      "token = s3cret\n",
		      msg, sizeof(msg), &c);
	CHECK_OK(rc);
	if (rc) {
		fprintf(stderr, "%s", msg);
		return;
	}
	CHECK_STR(c->store, "sqlite:/var/lib/packline/p.db");
	CHECK_STR(c->station, "pack-3");
	CHECK_INT(c->log_level, PL_LOG_INFO);
	CHECK_STR(c->numbering[DOC_INVOICE].pattern, "FA{YYYY}{NNN}");
	CHECK_STR(c->numbering[DOC_WZ].pattern, "WZ/{YYYY}/{MM}/{NNNN}"); /* built-in kept */
	CHECK_INT(c->nrules, 2);
	CHECK(c->tmpl[CONFIG_TMPL_DOC_FOOTER] != NULL);
	CHECK_STR(config_get(c, "printer", "fiscal", "transport"), "tcp:127.0.0.1:6666");
	CHECK(config_get(c, "printer", "fiscal", "nope") == NULL);
	/* the modules' view sees the same values, with their places */
	{
		const struct config_view *v = config_view(c);
		char where[1200];
		CHECK_STR(cfgview_get(v, "printer", "fiscal", "transport"), "tcp:127.0.0.1:6666");
		CHECK(cfgview_has_section(v, "printer", "fiscal"));
		CHECK(!cfgview_has_section(v, "printer", "other"));
		CHECK_STR(v->station, "pack-3");
		cfgview_where(v, "printer", "fiscal", "transport", where, sizeof(where));
		CHECK(strstr(where, ".ini:") != NULL);
		CHECK(strchr(strstr(where, ".ini:") + 5, ':') != NULL); /* FILE:LINE:COL */
		cfgview_where(v, "printer", "nosuch", "transport", where, sizeof(where));
		CHECK(strchr(where, ':') == NULL || strstr(where, ".ini:") == NULL);
	}

	/* the dump masks the secret */
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	config_dump(c, f);
	fclose(f);
	CHECK(strstr(mem, "s3cret") == NULL);
	CHECK_HAS(mem, "token = ********");
	free(mem);

	/* the multi-line rule decides */
	struct order o;
	struct order_line l = {.qty = 1000, .unit_price = 20000, .vat = VAT_23};
	struct rules_decision dec;
	order_init(&o);
	snprintf(o.buyer.nip, sizeof(o.buyer.nip), "5260250995");
	snprintf(o.currency, sizeof(o.currency), "PLN");
	order_add_line(&o, &l);
	o.total = order_computed_total(&o);
	CHECK_OK(rules_decide(c->rules, &o, &dec));
	CHECK_STR(dec.rule, "company");
	o.total = 5000;
	CHECK_OK(rules_decide(c->rules, &o, &dec));
	CHECK_STR(dec.rule, "default");
	CHECK_INT(dec.kind, DOC_RECEIPT_NIP);
	order_release(&o);
	config_free(c);
}

static void test_errors(void)
{
	char msg[8192];

	/* an unknown section: a typo must not switch a feature off silently */
	CHECK_INT(load("[packlin]\nstore = x.db\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:1:1: unknown section [packlin]");

	CHECK_INT(load("[packline]\nstroe = x.db\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2:1: unknown key 'stroe' in [packline]");

	CHECK_INT(load("[packline]\nlog_level = loud\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2:13: log_level 'loud'");

	/* a rule expression error points at the column in the file */
	CHECK_INT(load("[rule \"x\"]\nwhen = status == \"a\" and (total > 3\nissue = invoice\n",
		       msg, sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2:");
	CHECK_HAS(msg, "')'");

	/* on a continuation line, the line of the continuation */
	CHECK_INT(load("[rule \"x\"]\nwhen = status == \"a\"\n    and bogus.field == 1\nissue = "
		       "invoice\n",
		       msg, sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:3:9:");
	CHECK_HAS(msg, "bogus.field");

	CHECK_INT(load("[rule \"x\"]\nwhen = true\nissue = factura\n", msg, sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "factura");

	CHECK_INT(load("[rule \"x\"]\nissue = invoice\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:1: rule 'x' has no 'when'");

	CHECK_INT(load("[rule \"x\"]\nwhen = true\nissue = invoice\n[rule \"x\"]\nwhen = "
		       "false\nissue = receipt\n",
		       msg, sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:4:1: rule 'x' is defined twice (first at line 1)");

	/* numbering: unknown kind, a yearly reset without a year */
	CHECK_INT(load("[numbering \"faktura\"]\npattern = F/{NNN}\n", msg, sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "unknown document kind");
	CHECK_INT(load("[numbering \"invoice\"]\npattern = F/{NNN}\nreset = year\n", msg,
		       sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2");
	CHECK_INT(load("[numbering \"invoice\"]\npattern = F/{YYYY}/{NNN}\nreset = weekly\n", msg,
		       sizeof(msg), NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "reset 'weekly'");

	/* an unknown macro is found at load time, with its column */
	CHECK_INT(load("[template]\ndocument.footer = Zamowienie {order.numer}\n", msg, sizeof(msg),
		       NULL),
		  -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2:31: document.footer:");
	CHECK_HAS(msg, "order.numer");

	/* a line longer than inih's buffer is refused, not split */
	char big[600];
	snprintf(big, sizeof(big), "[packline]\nstation = %0300d\n", 7);
	CHECK_INT(load(big, msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2:");
	CHECK_HAS(msg, "longer than");

	CHECK_INT(load("key = value\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "outside any section");

	CHECK_INT(load("[packline\nstore = x\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:1: syntax error");

	/* module sections are checked at load too */
	CHECK_INT(
	    load("[printer \"fiscal\"]\ntransport = carrier-pigeon:1\n", msg, sizeof(msg), NULL),
	    -PL_ECONFIG);
	CHECK_HAS(msg, "t.ini:2");
	CHECK_INT(load("[label]\nprinter = fax\n", msg, sizeof(msg), NULL), -PL_ECONFIG);
	CHECK_HAS(msg, "printer must be cups, tcp, usb or file");

	/* every error of a file is reported in one run */
	CHECK_INT(
	    load("[packline]\nstroe = 1\nstaton = 2\n[bogus]\nx = 1\n", msg, sizeof(msg), NULL),
	    -PL_ECONFIG);
	CHECK_HAS(msg, "stroe");
	CHECK_HAS(msg, "staton");
	CHECK_HAS(msg, "bogus");
}

static void test_missing_file(void)
{
	struct diag d;
	struct config *c = (struct config *)1;

	diag_init(&d);
	CHECK_INT(config_load(&c, "/nonexistent/packline.ini", &d), -PL_ECONFIG);
	CHECK(c == NULL);
	CHECK_INT(diag_count(&d), 1);
	diag_release(&d);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_good();
	test_errors();
	test_missing_file();
	unlink(write_ini("t.ini", ""));
	rmdir(dir);
	return check_done("test_config");
}
