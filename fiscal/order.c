/* fiscal/order.c - lifecycle of struct order (see order.h for ownership). */
#include "fiscal/order.h"

#include "base/err.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void order_init(struct order *o)
{
	memset(o, 0, sizeof(*o));
}

void order_release(struct order *o)
{
	free(o->lines);
	order_init(o);
}

int order_copy(struct order *dst, const struct order *src)
{
	struct order_line *lines = NULL;

	if (dst == src)
		return 0;
	if (src->nlines) {
		lines = malloc(src->nlines * sizeof(*lines));
		if (!lines)
			return -PL_ENOMEM;
		memcpy(lines, src->lines, src->nlines * sizeof(*lines));
	}
	order_release(dst);
	*dst = *src;
	dst->lines = lines;
	return 0;
}

int order_add_line(struct order *o, const struct order_line *l)
{
	struct order_line *v;

	if (o->nlines >= ORDER_MAX_LINES)
		return -PL_ETOOBIG;
	/* grow one at a time: orders are small and this keeps no capacity field
	 * in the struct (order_copy copies exactly nlines) */
	v = realloc(o->lines, (o->nlines + 1) * sizeof(*v));
	if (!v)
		return -PL_ENOMEM;
	o->lines = v;
	o->lines[o->nlines++] = *l;
	return 0;
}

/* Saturating add: a garbage order must not be UB; validation rejects it. */
static int64_t add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return a > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t order_computed_total(const struct order *o)
{
	int64_t sum = o->delivery.cost;

	for (size_t i = 0; i < o->nlines; i++)
		sum = add_sat(sum, money_line_gross(o->lines[i].unit_price, o->lines[i].qty));
	return sum;
}
