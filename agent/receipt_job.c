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
