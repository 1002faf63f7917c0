/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/fiscal_dev.c - the fiscal-device wrappers (see fiscal_dev.h). */
#include "fiscal/fiscal_dev.h"

void fiscal_dev_close(struct fiscal_dev *d)
{
	if (d)
		d->ops->close(d);
}

int fiscal_dev_status(struct fiscal_dev *d, struct fiscal_status *st)
{
	return d->ops->status(d, st);
}

int fiscal_dev_counters(struct fiscal_dev *d, struct fiscal_counters *c)
{
	return d->ops->counters(d, c);
}

int fiscal_dev_print_receipt(struct fiscal_dev *d, const struct fiscal_receipt *r,
			     enum fiscal_stage *stage)
{
	return d->ops->print_receipt(d, r, stage);
}

int fiscal_dev_cancel(struct fiscal_dev *d)
{
	return d->ops->cancel(d);
}

int fiscal_dev_goods_return(struct fiscal_dev *d, const struct fiscal_line *lines, size_t n,
			    int64_t *amount)
{
	return d->ops->goods_return(d, lines, n, amount);
}

int fiscal_dev_daily_report(struct fiscal_dev *d, const char *date)
{
	return d->ops->daily_report(d, date);
}

int fiscal_dev_last_document(struct fiscal_dev *d, long long *docno)
{
	return d->ops->last_document(d, docno);
}

const char *fiscal_dev_last_message(const struct fiscal_dev *d)
{
	return d->ops->last_message(d);
}
