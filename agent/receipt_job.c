/* SPDX-License-Identifier: Apache-2.0 */
/* agent/receipt_job.c - the fiscal printer's status page and its section of
 * the configuration. The receipts are effects/receipt.c. */
#include "agent/receipt_job.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int receipt_printer_status(struct posnet_dev *dev, FILE *out)
{
	static const char letters[] = "ABCDEFG";
	struct posnet_status ps;
	struct posnet_counters c;
	struct posnet_trans t;
	struct posnet_vat_table vat;
	struct posnet_dev_stats stats;
	int rc;

	fprintf(out, "printer: %s (%s)\n", posnet_dev_cfg(dev)->name, posnet_dev_cfg(dev)->target);
	rc = posnet_read_status(dev, &ps);
	if (rc < 0)
		goto out;
	fprintf(out, "unique number: %s\nfiscal: %s\nready: %s (sdev ds%d)\n", ps.nu,
		ps.fiscal ? "yes" : "NO", ps.ds == 0 ? "yes" : "NO", ps.ds);
	fprintf(out, "mechanism: %s (sprn pr%d)\n", ps.pr == 0 ? "ok" : "NOT READY", ps.pr);
	fprintf(out, "header set: %s\nread-only: %s\nopen transaction: %s (ts%d)\n",
		ps.header_set ? "yes" : "NO", ps.read_only ? "YES" : "no", ps.ts ? "YES" : "no",
		ps.ts);
	rc = posnet_read_trans(dev, &t);
	if (rc < 0)
		goto out;
	fprintf(out, "footer pending: %s\n", t.footer_pending ? "YES" : "no");
	rc = posnet_read_counters(dev, &c);
	if (rc < 0)
		goto out;
	fprintf(out,
		"daily reports (rd): %lld\nreceipts today (bn): %lld\nlast receipt (bt): %lld\n"
		"cancelled (bc): %lld\nlast document in protected memory (di): %lld\n",
		c.rd, c.bn, c.bt, c.bc, c.di);
	rc = posnet_read_vat(dev, &vat, true);
	if (rc < 0)
		goto out;
	fprintf(out, "VAT:");
	for (int i = 0; i < POSNET_VAT_SLOTS; i++) {
		if (vat.rate[i] == POSNET_VAT_INACTIVE)
			fprintf(out, " %c=-", letters[i]);
		else if (vat.rate[i] == POSNET_VAT_EXEMPT)
			fprintf(out, " %c=zw", letters[i]);
		else
			fprintf(out, " %c=%d,%02d%%", letters[i], vat.rate[i] / 100,
				vat.rate[i] % 100);
	}
	fprintf(out, "\n");
out:
	posnet_dev_stats(dev, &stats);
	fprintf(out,
		"exchanges: %llu, timeouts: %llu, replays: %llu, bad frames: %llu, stray "
		"replies: %llu\n",
		(unsigned long long)stats.exchanges, (unsigned long long)stats.timeouts,
		(unsigned long long)stats.replays, (unsigned long long)stats.bad_frames,
		(unsigned long long)stats.stray_frames);
	if (rc < 0)
		fprintf(out, "error: %s\n", posnet_dev_last_message(dev));
	return rc;
}

/* --- configuration ---------------------------------------------------------- */

static int rj_cfg_int(const struct config *c, const char *name, const char *key, int min, int max,
		      int *out, struct diag *d)
{
	const char *v = config_get(c, "printer", name, key);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		diag_add(d, key, "printer '%s': %s must be a number %d..%d, not '%s'", name, key,
			 min, max, v);
		return -PL_ECONFIG;
	}
	*out = (int)n;
	return 0;
}

static int rj_cfg_bool(const struct config *c, const char *name, const char *key, bool *out,
		       struct diag *d)
{
	const char *v = config_get(c, "printer", name, key);

	if (!v)
		return 0;
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = false;
	else {
		diag_add(d, key, "printer '%s': %s must be yes or no, not '%s'", name, key, v);
		return -PL_ECONFIG;
	}
	return 0;
}

int receipt_printer_cfg(const struct config *c, const char *name, struct posnet_cfg *out,
			struct diag *d)
{
	const char *t;
	bool tokens = true, footer = true;
	int paper = 57, rc = 0;

	posnet_cfg_init(out);
	snprintf(out->name, sizeof(out->name), "%s", name);
	t = config_get(c, "printer", name, "transport");
	if (!t || !*t) {
		diag_add(d, "transport",
			 "printer '%s': no transport (e.g. serial:/dev/ttyUSB0:9600)", name);
		return -PL_ECONFIG;
	}
	if (strlen(t) >= sizeof(out->target)) {
		diag_add(d, "transport", "printer '%s': transport too long", name);
		return -PL_ECONFIG;
	}
	snprintf(out->target, sizeof(out->target), "%s", t);
	rc |= rj_cfg_int(c, name, "timeout_status_ms", 100, 600000,
			 &out->timeout_ms[POSNET_CLASS_STATUS], d);
	rc |= rj_cfg_int(c, name, "timeout_trans_ms", 100, 600000,
			 &out->timeout_ms[POSNET_CLASS_TRANS], d);
	rc |= rj_cfg_int(c, name, "timeout_end_ms", 100, 600000, &out->timeout_ms[POSNET_CLASS_END],
			 d);
	rc |= rj_cfg_int(c, name, "timeout_report_ms", 1000, 3600000,
			 &out->timeout_ms[POSNET_CLASS_REPORT], d);
	rc |= rj_cfg_int(c, name, "paper", 57, 80, &paper, d);
	rc |= rj_cfg_bool(c, name, "tokens", &tokens, d);
	rc |= rj_cfg_bool(c, name, "footer_order_number", &footer, d);
	rc |= rj_cfg_bool(c, name, "block_mode", &out->block_mode, d);
	if (paper != 57 && paper != 80) {
		diag_add(d, "paper", "printer '%s': paper must be 57 or 80", name);
		rc = -PL_ECONFIG;
	}
	out->paper = paper == 80 ? POSNET_PAPER_80MM : POSNET_PAPER_57MM;
	out->no_tokens = !tokens;
	out->no_footer = !footer;
	return rc ? -PL_ECONFIG : 0;
}
