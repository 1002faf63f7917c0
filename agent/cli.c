/* SPDX-License-Identifier: Apache-2.0 */
/* agent/cli.c - `packline <command> [<sub>] [options]`.
 *
 * One table of commands drives dispatch and `--help`. Each command loads the
 * configuration (checked whole, see agent/config.h), opens the store when it
 * needs it, and maps errors to the exit codes of agent/cli.h. Results go to
 * stdout; log lines and error messages to stderr.
 */
#include "agent/cli.h"
#include "agent/config.h"
#include "agent/docs_pdf.h"
#include "agent/import.h"
#include "agent/webauth.h"
#include "agent/jobs_cli.h"
#include "effects/label.h"
#include "agent/process.h"
#include "agent/receipt_job.h"
#include "effects/doccancel.h"
#include "effects/docfx.h"
#include "effects/email.h"
#include "effects/fiscal_return.h"
#include "effects/invoice_fkt.h"
#include "effects/invoice_sb.h"
#include "effects/receipt.h"
#include "journal/journal.h"
#include "agent/returns.h"
#include "agent/run.h"
#include "agent/sim_cli.h"
#include "agent/station_scan.h"
#include "agent/station_tui.h"
#include "fiscal/posnet_config.h"
#include "pdf/pdf.h"
#include "store/store.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/err.h"
#include "base/log.h"
#include "core/document.h"
#include "core/order_json.h"
#include "core/rules.h"

#include <cjson/cJSON.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Worker threads of `packline run` (PL_JOURNAL_WORKERS, default 2). */
#define CLI_MAX_WORKERS 8

struct cli {
	const char *config_path; /* NULL: discovered */
	bool show_warnings;      /* config check: print the loader's warnings */
	const char *store_dsn;   /* --store overrides the config */
	struct config *cfg;
	struct store *store;
	struct posnet_dev *fiscal;
	struct label_setup label;
	bool label_loaded;
	struct shipx shipx;
	bool shipx_ready;
	struct label_fx label_fx; /* the label effect on this thread's engine */
	/* the pool's workers: one courier client each (connectors/http.h is one
	 * client per thread), made on a worker's first setup, freed at the end */
	struct label_fx pool_label[CLI_MAX_WORKERS];
	struct shipx pool_shipx[CLI_MAX_WORKERS];
	bool pool_shipx_ready[CLI_MAX_WORKERS];
	struct journal *journal; /* the engine of process/run (open_env) */
	struct docfx_env docs;
	struct receipt_fx receipts;
	struct receipt_fx pool_receipts[CLI_MAX_WORKERS]; /* one printer handle per worker */
	struct sb_fx smartbill; /* [smartbill]: read only, shared by the workers */
	bool smartbill_ready;
	struct fkt_fx fakturownia; /* [fakturownia]: read only, shared by the workers */
	bool fakturownia_ready;
	struct email_fx email; /* [email]: read only, shared by the workers */
	bool email_ready;
};

struct cli_cmd {
	const char *name;
	const char *sub; /* NULL: no subcommand */
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cli_cmd *find_cmd(const char *name, const char *sub);
static void print_usage(FILE *out);

/* ---- shared helpers ---------------------------------------------------- */

/* README: 0 ok, 1 bad input, 2 usage, 3 configuration, 4 store, 5 device or
 * service, 70 internal. One row per base/err.h code (the assert below fails
 * the build when a code is added without a row), so 70 means a real
 * internal error (out of memory, a code outside the table), never "a code
 * nobody mapped". */
static const unsigned char exit_codes[] = {
    [PL_EINVAL - PL_EINVAL] = CLI_EINPUT,     [PL_ENOMEM - PL_EINVAL] = CLI_EINTERNAL,
    [PL_EIO - PL_EINVAL] = CLI_EDEVICE,       [PL_ENOTFOUND - PL_EINVAL] = CLI_EINPUT,
    [PL_EEXIST - PL_EINVAL] = CLI_EINPUT,     [PL_ETOOBIG - PL_EINVAL] = CLI_EINPUT,
    [PL_ETIMEDOUT - PL_EINVAL] = CLI_EDEVICE, [PL_EPROTO - PL_EINVAL] = CLI_EDEVICE,
    [PL_ENOTSUP - PL_EINVAL] = CLI_ECONFIG,   [PL_ECONFIG - PL_EINVAL] = CLI_ECONFIG,
    [PL_ESTORE - PL_EINVAL] = CLI_ESTORE,     [PL_EBUSY - PL_EINVAL] = CLI_ESTORE,
    [PL_EDEVICE - PL_EINVAL] = CLI_EDEVICE,   [PL_ESTATE - PL_EINVAL] = CLI_EDEVICE,
    [PL_EUNKNOWN - PL_EINVAL] = CLI_EDEVICE,  [PL_ELOST - PL_EINVAL] = CLI_ESTORE,
};
_Static_assert(sizeof(exit_codes) == PL_E_LAST_ - PL_EINVAL,
	       "every base/err.h code needs an exit code");

static int exit_for(int rc)
{
	if (rc == 0)
		return CLI_OK;
	if (-rc >= PL_EINVAL && -rc < PL_E_LAST_)
		return exit_codes[-rc - PL_EINVAL];
	return CLI_EINTERNAL;
}

static const char *discover_config(const char *given)
{
	const char *env = getenv("PACKLINE_CONFIG");

	if (given)
		return given;
	if (env && *env)
		return env;
	if (access("packline.ini", R_OK) == 0)
		return "packline.ini";
	if (access("/etc/packline/packline.ini", R_OK) == 0)
		return "/etc/packline/packline.ini";
	return NULL;
}

static int load_config(struct cli *cli)
{
	const char *path = discover_config(cli->config_path);
	struct diag d;
	int rc;

	if (cli->cfg)
		return 0;
	if (!path)
		return config_defaults(&cli->cfg);
	diag_init(&d);
	rc = config_load(&cli->cfg, path, &d);
	if (rc) {
		diag_print(&d, stderr, "packline: config");
		fprintf(stderr, "packline: configuration '%s' has %zu error(s); nothing was done\n",
			path, diag_count(&d));
	} else if (cli->show_warnings && diag_warn_count(&d)) {
		/* only `config check` shows them: every other command would repeat
		 * the same hints on each run */
		diag_print(&d, stdout, NULL);
	}
	diag_release(&d);
	if (rc == 0 && cli->cfg->log_level_set && pl_log_threshold == PL_LOG_WARN)
		pl_log_set_level(cli->cfg->log_level);
	return rc;
}

static int open_store(struct cli *cli)
{
	int rc = load_config(cli);

	if (rc)
		return rc;
	if (cli->store)
		return 0;
	rc = store_open(&cli->store, cli->store_dsn ? cli->store_dsn : cli->cfg->store);
	if (rc)
		fprintf(stderr, "packline: cannot open store '%s': %s\n",
			cli->store_dsn ? cli->store_dsn : cli->cfg->store, pl_strerror(rc));
	return rc;
}

/* Open [printer "name"]. -PL_ENOTFOUND when the configuration has none. */
static int open_printer(struct cli *cli, const char *name, bool required)
{
	struct posnet_cfg pc;
	struct diag d;
	int rc = load_config(cli);

	if (rc || cli->fiscal)
		return rc;
	if (!config_has_section(cli->cfg, "printer", name)) {
		if (required)
			fprintf(stderr, "packline: no [printer \"%s\"] in the configuration\n",
				name);
		return -PL_ENOTFOUND;
	}
	diag_init(&d);
	rc = posnet_cfg_load(config_view(cli->cfg), name, &pc, &d);
	if (rc)
		diag_print(&d, stderr, "packline");
	diag_release(&d);
	if (rc)
		return rc;
	rc = posnet_dev_open(&cli->fiscal, &pc);
	if (rc == -PL_ENOTFOUND || rc == -PL_EIO) {
		/* a configured printer whose device is missing or does not answer is
		 * a device error (5), never "no printer configured" */
		fprintf(
		    stderr, "packline: cannot open fiscal printer '%s' (%s): %s\n", name, pc.target,
		    rc == -PL_ENOTFOUND ? "the device is missing" : "the device does not answer");
		return -PL_EDEVICE;
	}
	if (rc)
		fprintf(stderr, "packline: cannot open fiscal printer '%s' (%s): %s\n", name,
			pc.target, pl_strerror(rc));
	return rc;
}

/* Load [label] (and the courier client it uses). -PL_ENOTFOUND when none. */
static int open_label(struct cli *cli, bool required)
{
	struct diag d;
	int rc = load_config(cli);

	if (rc || cli->label_loaded)
		return rc;
	if (!config_has_section(cli->cfg, "label", "")) {
		if (required)
			fprintf(stderr, "packline: no [label] in the configuration\n");
		return -PL_ENOTFOUND;
	}
	diag_init(&d);
	rc = label_setup_load(config_view(cli->cfg), "", &cli->label, &d);
	if (rc)
		diag_print(&d, stderr, "packline");
	diag_release(&d);
	if (rc)
		return rc;
	cli->label_loaded = true;
	if (cli->label.use_shipx) {
		rc = shipx_init(&cli->shipx, &cli->label.shipx);
		if (rc) {
			fprintf(stderr, "packline: cannot set up the courier client: %s\n",
				pl_strerror(rc));
			return rc;
		}
		cli->shipx_ready = true;
	}
	return 0;
}

/* Strict number parsing for every id, limit and numeric setting the CLI
 * takes: digits only, whole string, in range; "#12abc", "-1", "" and "1e3"
 * are refused rather than read as 12, a huge size_t or 0. Returns NULL on
 * success, else the reason (a static string) for the caller's message. */
static const char *parse_count(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!s || !s[0])
		return "it is empty";
	if (s[0] == '-')
		return "it is negative";
	if (!isdigit((unsigned char)s[0]))
		return "it does not start with a digit";
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return "it has characters after the number";
	if (errno == ERANGE || v > hi)
		return "it is too large";
	if (v < lo)
		return "it is too small";
	*out = v;
	return NULL;
}

static int parse_limit(const char *s, size_t *out)
{
	long long v;

	const char *why = parse_count(s, 1, 1000000, &v);

	if (why) {
		fprintf(stderr,
			"packline: --limit takes a number from 1 to 1000000, not '%s' (%s)\n", s,
			why);
		return CLI_EUSAGE;
	}
	*out = (size_t)v;
	return 0;
}

/* Resolve ORDER: an order number, "source:ext_id", an ext_id or "#id". */
static int resolve_order(struct cli *cli, const char *ref, struct order *o)
{
	const char *colon = strchr(ref, ':');
	int rc;

	if (ref[0] == '#') {
		long long id;
		const char *why = parse_count(ref + 1, 1, INT64_MAX, &id);
		if (why) {
			fprintf(stderr, "packline: '%s' is not an order id (#N): %s\n", ref, why);
			return -PL_EINVAL;
		}
		return store_order_get(cli->store, id, o);
	}
	rc = store_order_find_number(cli->store, ref, o);
	if (rc != -PL_ENOTFOUND)
		return rc;
	if (colon && colon - ref < 16) {
		char source[16];
		memcpy(source, ref, (size_t)(colon - ref));
		source[colon - ref] = '\0';
		rc = store_order_find(cli->store, source, colon + 1, o);
		if (rc != -PL_ENOTFOUND)
			return rc;
	}
	fprintf(stderr, "packline: no order '%s' in the store\n", ref);
	return -PL_ENOTFOUND;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* ---- orders ------------------------------------------------------------ */

struct import_totals {
	size_t files, files_failed, inserted, updated, unchanged;
};

static int import_one(struct cli *cli, const char *path, struct import_totals *t)
{
	struct import_result r;
	struct diag d;
	int rc;

	t->files++;
	diag_init(&d);
	rc = import_file(cli->store, path, pl_now(), &r, &d);
	if (rc) {
		/* the file's own problems (too large, unreadable) carry its name
		 * already: name it once */
		for (size_t k = 0; k < d.n; k++)
			fprintf(stderr, "%s: %s%s%s\n", strcmp(path, "-") ? path : "stdin",
				d.v[k].where && strcmp(d.v[k].where, path) ? d.v[k].where : "",
				d.v[k].where && strcmp(d.v[k].where, path) ? ": " : "", d.v[k].msg);
		if (d.dropped)
			fprintf(stderr, "%s: ... and %zu more errors\n", path, d.dropped);
		fprintf(stderr, "%s: %zu error(s); nothing imported from this file\n", path,
			diag_count(&d));
		t->files_failed++;
	} else {
		printf("%s: %zu order(s): %zu new, %zu updated, %zu unchanged\n", path, r.n,
		       r.inserted, r.updated, r.unchanged);
		t->inserted += r.inserted;
		t->updated += r.updated;
		t->unchanged += r.unchanged;
	}
	import_result_release(&r);
	diag_release(&d);
	return rc;
}

static int import_dir(struct cli *cli, const char *dir, struct import_totals *t)
{
	char **names, path[4096];
	size_t n;
	int rc, worst = 0;

	rc = import_list_dir(dir, &names, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		int r;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = import_one(cli, path, t);
		if (r == -PL_ESTORE) /* the store is failing: stop, do not go on half-blind */
			rc = r;
		else if (r && !worst)
			worst = r;
	}
	import_names_free(names, n);
	if (!rc && n == 0)
		fprintf(stderr, "packline: no *.json files in '%s'\n", dir);
	return rc ? rc : worst;
}

static int cmd_orders_import(struct cli *cli, int argc, char **argv)
{
	struct import_totals t = {0};
	int rc, worst = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: packline orders import FILE|DIR|- ...\n");
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (strcmp(argv[i], "-") != 0 && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = import_dir(cli, argv[i], &t);
		else
			rc = import_one(cli, argv[i], &t);
		if (rc == -PL_ESTORE)
			return CLI_ESTORE;
		if (rc && !worst)
			worst = rc;
	}
	if (t.files > 1)
		printf("total: %zu file(s), %zu failed; %zu new, %zu updated, %zu unchanged\n",
		       t.files, t.files_failed, t.inserted, t.updated, t.unchanged);
	return worst ? exit_for(worst == -PL_EIO ? -PL_EINVAL : worst) : CLI_OK;
}

struct list_ctx {
	size_t n;
};

static int print_order_row(const struct order *o, void *arg)
{
	struct list_ctx *lc = arg;
	char total[32], created[21];

	if (lc->n++ == 0)
		printf("%-6s %-20s %-8s %-12s %-20s %12s %-3s %s\n", "ID", "NUMBER", "SOURCE",
		       "STATUS", "CREATED", "TOTAL", "CUR", "BUYER");
	pl_format_iso8601(o->created, created);
	printf("%-6lld %-20s %-8s %-12s %-20s %12s %-3s %s\n", (long long)o->id, o->number,
	       o->source, o->status, created, money_format(o->total, total, sizeof(total)),
	       o->currency, o->buyer.company[0] ? o->buyer.company : o->buyer.name);
	return 0;
}

static int print_hold_row(const struct store_hold *h, void *arg);
static int open_env(struct cli *cli, struct process_env *env);

static int cmd_orders_list(struct cli *cli, int argc, char **argv)
{
	struct store_order_filter f = {0};
	struct list_ctx lc = {0};
	static const struct option opts[] = {{"status", required_argument, NULL, 's'},
					     {"source", required_argument, NULL, 'o'},
					     {"limit", required_argument, NULL, 'l'},
					     {"held", no_argument, NULL, 'H'},
					     {NULL, 0, NULL, 0}};
	bool held = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			held = true;
			break;
		case 's':
			if (!order_status_known(optarg)) {
				fprintf(stderr,
					"packline: --status '%s' is not one of new, accepted, "
					"processing, paid, packed, shipped, delivered, cancelled, "
					"returned, on_hold\n",
					optarg);
				return CLI_EUSAGE;
			}
			f.status = optarg;
			break;
		case 'o':
			f.source = optarg;
			break;
		case 'l':
			if (parse_limit(optarg, &f.limit))
				return CLI_EUSAGE;
			break;
		default:
			return CLI_EUSAGE;
		}
	}
	rc = open_store(cli);
	if (!rc && held) {
		rc = store_hold_list(cli->store, true, print_hold_row, &lc);
		if (!rc && lc.n == 0)
			printf("no held orders\n");
		return exit_for(rc);
	}
	if (!rc)
		rc = store_order_list(cli->store, &f, print_order_row, &lc);
	if (!rc && lc.n == 0)
		printf("no orders\n");
	return exit_for(rc);
}

/* ---- held orders: accept or correct (agent/returns.h) -------------------- */

static int print_hold_row(const struct store_hold *h, void *arg)
{
	struct list_ctx *lc = arg;
	char since[21];

	if (lc->n++ == 0)
		printf("%-20s %-20s %-20s %s\n", "ORDER", "DOCUMENT", "HELD SINCE", "CHANGE");
	pl_format_iso8601(h->created, since);
	printf("%-20s %-20s %-20s %s\n", h->order_number, h->doc_number, since, h->reason);
	return 0;
}

/* The person behind a manual action: --actor, else the unix user. */
static void actor_name(const char *given, char *out, size_t size)
{
	const struct passwd *pw;

	if (given && *given) {
		snprintf(out, size, "%s", given);
		return;
	}
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "uid %u", (unsigned)getuid());
}

/* The options of an operator action that names one object: --reason TEXT
 * (required) and the actor by `actor_opt` ("actor" or "as"). 0 with
 * *reason and *actor (NULL = not given) set, or CLI_EUSAGE. */
static int reason_opts(int argc, char **argv, const char *actor_opt, const char **reason,
		       const char **actor)
{
	const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
				      {actor_opt, required_argument, NULL, 'a'},
				      {NULL, 0, NULL, 0}};
	int c;

	*reason = *actor = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			*reason = optarg;
		else if (c == 'a')
			*actor = optarg;
		else
			return CLI_EUSAGE;
	}
	return optind == argc - 1 && *reason && **reason ? 0 : CLI_EUSAGE;
}

static int cmd_orders_release(struct cli *cli, int argc, char **argv, bool correct)
{
	const char *reason, *given_actor, *cmd = correct ? "correct" : "accept";
	char actor[64], number[64], msg[512];
	struct process_env env;
	struct store_hold h;
	struct order o;
	int rc;

	if (reason_opts(argc, argv, "actor", &reason, &given_actor)) {
		fprintf(stderr, "usage: packline orders %s ORDER --reason TEXT [--actor NAME]\n",
			cmd);
		return CLI_EUSAGE;
	}
	if (strlen(reason) > 255 || (given_actor && strlen(given_actor) > 63)) {
		fprintf(stderr, "packline: --reason is at most 255 bytes, --actor 63\n");
		return CLI_EUSAGE;
	}
	actor_name(given_actor, actor, sizeof(actor));
	rc = correct ? open_env(cli, &env) : open_store(cli);
	if (rc)
		return exit_for(rc);
	order_init(&o);
	rc = resolve_order(cli, argv[optind], &o);
	if (rc)
		goto out;
	if (correct) {
		rc = returns_correct_held(&env, &o, actor, reason, number, sizeof(number), msg,
					  sizeof(msg));
		if (rc)
			fprintf(stderr, "packline: cannot correct %s: %s\n", o.number,
				msg[0] ? msg : pl_strerror(rc));
		else
			printf("%s: %s\n", o.number, msg);
		goto out;
	}
	rc = store_hold_get(cli->store, o.id, &h);
	if (rc == -PL_ENOTFOUND) {
		fprintf(stderr, "packline: order %s is not held\n", o.number);
		rc = -PL_EINVAL;
	}
	if (!rc)
		rc = store_hold_release(cli->store, o.id, actor, "accept", reason, pl_now());
	if (!rc)
		printf("%s: accepted as it is now by %s (was held: changed after %s was issued: "
		       "%s)\n",
		       o.number, actor, h.doc_number, h.reason);
out:
	order_release(&o);
	return exit_for(rc);
}

/* "3", "1.25", "0.5" -> thousandths; at most 3 decimals, > 0, <= 1000000. */
static int parse_qty(const char *s, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int nd = 0;
	const char *p = s;

	if (!(*p >= '0' && *p <= '9'))
		return -PL_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return -PL_EINVAL;
	}
	if (*p == '.' || *p == ',') {
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd == 3)
				return -PL_EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return -PL_EINVAL;
		for (int i = nd; i < 3; i++)
			frac *= 10;
	}
	if (*p)
		return -PL_EINVAL;
	*out = whole * 1000 + frac;
	return *out > 0 && *out <= ORDER_QTY_MAX ? 0 : -PL_EINVAL;
}

#define RETURN_MAX_ARGS 64

static int cmd_orders_return(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"line", required_argument, NULL, 'l'},
					     {"delivery", no_argument, NULL, 'd'},
					     {"reason", required_argument, NULL, 'r'},
					     {"actor", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	const char *reason = NULL, *given_actor = NULL, *lines[RETURN_MAX_ARGS];
	char actor[64], number[64], msg[512];
	size_t nlines = 0;
	bool delivery = false;
	struct process_env env;
	struct order o;
	int64_t *qty = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l' && nlines < RETURN_MAX_ARGS)
			lines[nlines++] = optarg;
		else if (c == 'd')
			delivery = true;
		else if (c == 'r')
			reason = optarg;
		else if (c == 'a')
			given_actor = optarg;
		else
			return CLI_EUSAGE;
	}
	if (optind != argc - 1 || !reason || !*reason || (nlines == 0 && !delivery)) {
		fprintf(stderr, "usage: packline orders return ORDER --line N=QTY ... [--delivery] "
				"--reason TEXT [--actor NAME]\n");
		return CLI_EUSAGE;
	}
	if (strlen(reason) > 255 || (given_actor && strlen(given_actor) > 63)) {
		fprintf(stderr, "packline: --reason is at most 255 bytes, --actor 63\n");
		return CLI_EUSAGE;
	}
	actor_name(given_actor, actor, sizeof(actor));
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	order_init(&o);
	rc = resolve_order(cli, argv[optind], &o);
	if (rc)
		goto out;
	qty = calloc(o.nlines ? o.nlines : 1, sizeof(*qty));
	if (!qty) {
		rc = -PL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nlines; i++) {
		char *eq = strchr(lines[i], '='), *end;
		long n;
		int64_t q = 0;

		errno = 0;
		n = eq ? strtol(lines[i], &end, 10) : 0;
		if (!eq || errno || end != eq || n < 1 || (size_t)n > o.nlines ||
		    parse_qty(eq + 1, &q) != 0) {
			fprintf(stderr,
				"packline: --line %s: write N=QTY, N a line of %s (1-%zu), QTY > 0 "
				"with at most 3 decimals\n",
				lines[i], o.number, o.nlines);
			rc = -PL_EINVAL;
			goto out;
		}
		qty[n - 1] += q;
	}
	rc = returns_take_now(&env, &o, qty, o.nlines, delivery, actor, reason, number,
			      sizeof(number), msg, sizeof(msg));
	if (rc)
		fprintf(stderr, "packline: return from %s not taken: %s\n", o.number,
			msg[0] ? msg : pl_strerror(rc));
	else
		printf("%s: %s\n", o.number, msg);
out:
	free(qty);
	order_release(&o);
	return exit_for(rc);
}

static int cmd_orders_accept(struct cli *cli, int argc, char **argv)
{
	return cmd_orders_release(cli, argc, argv, false);
}

static int cmd_orders_correct(struct cli *cli, int argc, char **argv)
{
	return cmd_orders_release(cli, argc, argv, true);
}

static int print_event(const struct store_status_event *e, void *arg)
{
	char at[21];

	(void)arg;
	pl_format_iso8601(e->at, at);
	printf("  %s  %s -> %s\n", at, e->from[0] ? e->from : "(new)", e->to);
	return 0;
}

static int cmd_orders_show(struct cli *cli, int argc, char **argv)
{
	struct order o;
	cJSON *j;
	char *text;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: packline orders show ORDER\n");
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	order_init(&o);
	rc = resolve_order(cli, argv[1], &o);
	if (rc) {
		order_release(&o);
		return exit_for(rc);
	}
	j = order_to_json(&o);
	text = j ? cJSON_Print(j) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(j);
	printf("status history of %s:\n", o.number);
	rc = store_order_events(cli->store, o.id, print_event, NULL);
	order_release(&o);
	return exit_for(rc);
}

/* ---- rules --------------------------------------------------------------- */

static int cmd_rules_check(struct cli *cli, int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : discover_config(cli->config_path);
	struct config *cfg = NULL;
	struct diag d;
	int rc;

	if (!path) {
		fprintf(stderr, "usage: packline rules check FILE\n");
		return CLI_EUSAGE;
	}
	if (access(path, R_OK) != 0) {
		/* no file to check is a configuration problem (3), not bad rules (1) */
		fprintf(stderr, "packline: config: %s: cannot open: %s\n", path, strerror(errno));
		return CLI_ECONFIG;
	}
	diag_init(&d);
	rc = config_load(&cfg, path, &d);
	if (rc) {
		diag_print(&d, stdout, NULL);
		printf("%s: %zu error(s)\n", path, diag_count(&d));
	} else {
		diag_print(&d, stdout, NULL);
		printf("%s: ok, %zu rule(s)\n", path, cfg->nrules);
	}
	diag_release(&d);
	config_free(cfg);
	return rc ? CLI_EINPUT : CLI_OK;
}

static int cmd_rules_explain(struct cli *cli, int argc, char **argv)
{
	struct order o;
	struct buf out;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: packline rules explain ORDER\n");
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	order_init(&o);
	buf_init(&out, 1 << 20);
	rc = resolve_order(cli, argv[1], &o);
	if (!rc) {
		/* no rule matching is a finding of the report, not a failure */
		int r = rules_explain(cli->cfg->rules, &o, &out, NULL);
		rc = r == -PL_ENOTFOUND ? 0 : r;
	}
	if (!rc)
		fputs(out.data ? out.data : "", stdout);
	buf_release(&out);
	order_release(&o);
	return exit_for(rc);
}

/* ---- documents ---------------------------------------------------------- */

static int print_doc_row(const struct document *d, void *arg)
{
	struct list_ctx *lc = arg;
	char gross[32], paid[32];

	if (lc->n++ == 0)
		printf("%-6s %-12s %-22s %-10s %-20s %12s %12s %-3s %s\n", "ID", "KIND", "NUMBER",
		       "ISSUED", "ORDER", "GROSS", "PAID", "CUR", "STATE");
	printf("%-6lld %-12s %-22s %-10s %-20s %12s %12s %-3s %s\n", (long long)d->id,
	       doc_kind_name(d->kind), d->number[0] ? d->number : "-", d->issue_date,
	       d->order_number, money_format(d->total_gross, gross, sizeof(gross)),
	       money_format(d->amount_paid, paid, sizeof(paid)), d->currency,
	       doc_state_name(d->state));
	return 0;
}

/* The closest of `names` to `s` within two edits, for "did you mean". */
static const char *closest_name(const char *s, const char *(*name)(int), int n)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (int i = 0; i < n; i++) {
		const char *c = name(i);
		size_t la = strlen(s), lb = c ? strlen(c) : 99, row[40], prev, tmp;
		if (!c || la >= 39 || lb >= 39)
			continue;
		for (size_t j = 0; j <= lb; j++)
			row[j] = j;
		for (size_t x = 1; x <= la; x++) {
			prev = row[0];
			row[0] = x;
			for (size_t j = 1; j <= lb; j++) {
				size_t v = prev + (tolower((unsigned char)s[x - 1]) != c[j - 1]);
				tmp = row[j];
				if (row[j] + 1 < v)
					v = row[j] + 1;
				if (row[j - 1] + 1 < v)
					v = row[j - 1] + 1;
				row[j] = v;
				prev = tmp;
			}
		}
		if (row[lb] < bestd) {
			bestd = row[lb];
			best = c;
		}
	}
	return best;
}

static const char *kind_at(int i)
{
	return i == DOC_NONE ? NULL : doc_kind_name((enum doc_kind)i);
}

static const char *state_at(int i)
{
	return doc_state_name((enum doc_state)i);
}

/* The value of `what` is not one of `names`: say so, with the closest. */
static int bad_name(const char *what, const char *v, const char *(*name)(int), int n)
{
	const char *near = closest_name(v, name, n);

	fprintf(stderr, "packline: unknown document %s '%s'", what, v);
	if (near)
		fprintf(stderr, " (did you mean '%s'?)", near);
	fprintf(stderr, "; one of:");
	for (int i = 0; i < n; i++)
		if (name(i))
			fprintf(stderr, " %s", name(i));
	fprintf(stderr, "\n");
	return CLI_EUSAGE;
}

/* Strict YYYY-MM-DD (a real day), for --from/--to. */
static int parse_day(const char *opt, const char *v)
{
	int y, m, d, n = -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	    isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[5]) &&
	    isdigit((unsigned char)v[8]) && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
	    !(m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return 0;
	fprintf(stderr, "packline: --%s takes a date YYYY-MM-DD, not '%s'\n", opt, v);
	return CLI_EUSAGE;
}

static int cmd_docs_list(struct cli *cli, int argc, char **argv)
{
	struct store_doc_query q = {0};
	struct list_ctx lc = {0};
	static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
					     {"state", required_argument, NULL, 's'},
					     {"order", required_argument, NULL, 'o'},
					     {"limit", required_argument, NULL, 'l'},
					     {"paid", no_argument, NULL, 'P'},
					     {"unpaid", no_argument, NULL, 'U'},
					     {"partly-paid", no_argument, NULL, 'R'},
					     {"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 't'},
					     {"station", required_argument, NULL, 'S'},
					     {"search", required_argument, NULL, 'q'},
					     {"after", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	const char *order_ref = NULL;
	int64_t next = 0;
	long long n;
	const char *why;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (doc_kind_parse(optarg, &q.kind) != 0 || q.kind == DOC_NONE)
				return bad_name("kind", optarg, kind_at, DOC_KIND_COUNT);
			q.has_kind = true;
			break;
		case 's':
			if (doc_state_parse(optarg, &q.state) != 0)
				return bad_name("state", optarg, state_at, DOC_STATE_COUNT);
			q.has_state = true;
			break;
		case 'o':
			order_ref = optarg;
			break;
		case 'l':
			why = parse_count(optarg, 1, STORE_DOC_QUERY_MAX, &n);
			if (why) {
				fprintf(stderr,
					"packline: --limit takes a number from 1 to %d, not '%s' "
					"(%s)\n",
					STORE_DOC_QUERY_MAX, optarg, why);
				return CLI_EUSAGE;
			}
			q.limit = (size_t)n;
			break;
		case 'P':
		case 'U':
		case 'R':
			if (q.pay != STORE_PAY_ANY) {
				fprintf(stderr,
					"packline: give one of --paid, --unpaid, --partly-paid\n");
				return CLI_EUSAGE;
			}
			q.pay = c == 'P'   ? STORE_PAY_PAID
				: c == 'U' ? STORE_PAY_UNPAID
					   : STORE_PAY_PARTLY;
			break;
		case 'f':
		case 't':
			if (parse_day(c == 'f' ? "from" : "to", optarg))
				return CLI_EUSAGE;
			*(c == 'f' ? &q.from : &q.to) = optarg;
			break;
		case 'S':
			q.station = optarg;
			break;
		case 'q':
			if (strlen(optarg) > STORE_DOC_SEARCH_MAX) {
				fprintf(stderr, "packline: --search text is longer than %d bytes\n",
					STORE_DOC_SEARCH_MAX);
				return CLI_EUSAGE;
			}
			q.search = optarg;
			break;
		case 'a':
			why = parse_count(optarg, 1, INT64_MAX, &n);
			if (why) {
				fprintf(
				    stderr,
				    "packline: --after takes the cursor a previous page printed, "
				    "not '%s' (%s)\n",
				    optarg, why);
				return CLI_EUSAGE;
			}
			q.after = n;
			break;
		default:
			return CLI_EUSAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "packline: docs list takes no argument '%s'\n", argv[optind]);
		return CLI_EUSAGE;
	}
	if (q.from && q.to && strcmp(q.from, q.to) > 0) {
		fprintf(stderr, "packline: --from %s is after --to %s\n", q.from, q.to);
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (!rc && order_ref) {
		struct order o;
		order_init(&o);
		rc = resolve_order(cli, order_ref, &o);
		q.order_id = o.id;
		order_release(&o);
	}
	if (!rc)
		rc = store_doc_query(cli->store, &q, print_doc_row, &lc, &next);
	if (!rc && lc.n == 0)
		printf("no documents\n");
	if (!rc && next)
		printf("more: --after %lld\n", (long long)next);
	return exit_for(rc);
}

struct find_doc {
	const char *number;
	int64_t id;
};

static int match_number(const struct document *d, void *arg)
{
	struct find_doc *fd = arg;

	/* a service's number (fakturownia, SmartBill) is the document's remote id */
	if (strcmp(d->number, fd->number) == 0 ||
	    (!d->number[0] && d->remote_id[0] && strcmp(d->remote_id, fd->number) == 0)) {
		fd->id = d->id;
		return 1;
	}
	return 0;
}

/* The same, newest first: keep going, so the last match is the oldest
 * document of that number (what the id-ordered scan found first). */
static int match_number_oldest(const struct document *d, void *arg)
{
	struct find_doc *fd = arg;

	if (strcmp(d->number, fd->number) == 0)
		fd->id = d->id;
	return 0;
}

/* A document named NUMBER or #ID into *id; 0 or an exit code (message
 * printed). The store must be open. */
static int resolve_doc(struct cli *cli, const char *arg, int64_t *id)
{
	struct store_doc_filter f = {0};
	struct find_doc fd = {.number = arg, .id = 0};

	if (arg[0] == '#') {
		long long n;
		const char *why = parse_count(arg + 1, 1, INT64_MAX, &n);
		if (why) {
			fprintf(stderr, "packline: '%s' is not a document id (#N): %s\n", arg, why);
			return CLI_EUSAGE;
		}
		fd.id = n;
	} else {
		/* the number through the search index (a page at a time), then
		 * the exact match: no scan of every document */
		struct store_doc_query q = {.search = arg, .limit = STORE_DOC_QUERY_MAX};
		int64_t next = 0;
		int rc;
		do {
			rc = store_doc_query(cli->store, &q, match_number_oldest, &fd, &next);
			q.after = next;
		} while (!rc && next);
		if (rc == -PL_EINVAL) /* not searchable text: look at every number */
			rc = store_doc_list(cli->store, &f, match_number, &fd);
		if (rc < 0)
			return exit_for(-PL_ESTORE);
	}
	if (fd.id <= 0) {
		fprintf(stderr, "packline: no document '%s'\n", arg);
		return CLI_EINPUT;
	}
	*id = fd.id;
	return 0;
}

/* What an invoicing service holds of document id (doc_remote): its ids,
 * status and, at fakturownia, the KSeF state. Nothing when none. */
static void show_remote(struct store *st, int64_t id)
{
	struct doc_remote r = {0};
	cJSON *det;
	char gs[32], gid[96], ge[512];

	if (store_doc_remote_get(st, id, &r) != 0)
		return;
	printf("service:    %s id %s number %s (%s)\n", r.service, r.remote_id, r.remote_number,
	       r.status);
	det = cJSON_Parse(r.detail ? r.detail : "{}");
	journal_json_str(det, "gov_status", gs, sizeof(gs));
	journal_json_str(det, "gov_id", gid, sizeof(gid));
	journal_json_str(det, "gov_errors", ge, sizeof(ge));
	if (strcmp(r.service, FKT_SERVICE) == 0) {
		int ks = fkt_ksef_state(st, id, NULL, 0);
		const char *what = ks == FKT_KSEF_OK      ? "accepted"
				   : ks == FKT_KSEF_WAIT  ? "waiting"
				   : ks == FKT_KSEF_ERROR ? "refused"
							  : "not sent";
		printf("ksef:       %s%s%s%s\n", what, gs[0] ? " (" : "", gs, gs[0] ? ")" : "");
		if (gid[0])
			printf("ksef no:    %s\n", gid);
		if (ge[0])
			printf("ksef error: %s\n", ge);
	}
	cJSON_Delete(det);
	doc_remote_release(&r);
}

static int cmd_docs_show(struct cli *cli, int argc, char **argv)
{
	struct document d;
	struct find_doc fd = {0};
	char a[32], b[32], c[32];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: packline docs show NUMBER|#ID\n");
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	rc = resolve_doc(cli, argv[1], &fd.id);
	if (rc)
		return rc;
	doc_init(&d);
	rc = store_doc_get(cli->store, fd.id, &d);
	if (rc) {
		doc_release(&d);
		return exit_for(rc);
	}
	printf("%s %s\n", doc_kind_name(d.kind),
	       d.number[0]      ? d.number
	       : d.remote_id[0] ? d.remote_id
				: "(not numbered)");
	printf("state:      %s\n", doc_state_name(d.state));
	printf("issued:     %s   sale date: %s\n", d.issue_date, d.sale_date);
	printf("order:      %s\n", d.order_number);
	printf("buyer:      %s%s%s\n", d.buyer_name, d.buyer_nip[0] ? "  NIP " : "", d.buyer_nip);
	printf("backend:    %s%s%s\n", d.backend, d.remote_id[0] ? "  remote id " : "",
	       d.remote_id);
	if (d.corrects_id)
		printf("corrects:   #%lld\n", (long long)d.corrects_id);
	show_remote(cli->store, d.id);
	printf("\n%-40s %10s %-5s %10s %-4s %10s %10s %10s\n", "ITEM", "QTY", "UNIT", "PRICE",
	       "VAT", "NET", "TAX", "GROSS");
	for (size_t i = 0; i < d.nlines; i++) {
		const struct doc_line *l = &d.lines[i];
		char q[32], p[32];
		snprintf(q, sizeof(q), "%lld.%03lld", (long long)(l->qty / 1000),
			 (long long)llabs(l->qty % 1000));
		printf("%-40.40s %10s %-5s %10s %-4s %10s %10s %10s\n", l->name, q, l->unit,
		       money_format(l->unit_gross, p, sizeof(p)), vat_rate_name(l->vat),
		       money_format(l->net, a, sizeof(a)), money_format(l->tax, b, sizeof(b)),
		       money_format(l->gross, c, sizeof(c)));
	}
	printf("\n%-20s %12s %12s %12s\n", "VAT RATE", "NET", "TAX", "GROSS");
	for (size_t i = 0; i < d.nsums; i++)
		printf("%-20s %12s %12s %12s\n", vat_rate_name(d.sums[i].vat),
		       money_format(d.sums[i].net, a, sizeof(a)),
		       money_format(d.sums[i].tax, b, sizeof(b)),
		       money_format(d.sums[i].gross, c, sizeof(c)));
	printf("%-20s %12s %12s %12s %s\n", "TOTAL", money_format(d.total_net, a, sizeof(a)),
	       money_format(d.total_tax, b, sizeof(b)), money_format(d.total_gross, c, sizeof(c)),
	       d.currency);
	doc_release(&d);
	return CLI_OK;
}

/* `docs pdf NUMBER|#ID -o FILE [--lang pl|en]`: the document as PDF
 * (agent/docs_pdf.h). FILE "-" is stdout; a file is written whole or not at
 * all (a temporary beside it, renamed). Nothing in the store changes. */
static int cmd_docs_pdf(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"lang", required_argument, NULL, 'L'},
					     {NULL, 0, NULL, 0}};
	const char *outp = NULL, *lang = NULL;
	char tmp[1100];
	struct buf pdf;
	int64_t id = 0;
	FILE *f = NULL;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			outp = optarg;
		else if (c == 'L')
			lang = optarg;
		else
			goto usage;
	}
	if (optind + 1 != argc || !outp)
		goto usage;
	if (lang && strcmp(lang, "pl") != 0 && strcmp(lang, "en") != 0) {
		fprintf(stderr, "packline: --lang must be pl or en, not '%s'\n", lang);
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	rc = resolve_doc(cli, argv[optind], &id);
	if (rc)
		return rc;
	buf_init(&pdf, PDF_MAX_BYTES);
	rc = docs_pdf_render(cli->cfg, cli->store, id, lang, &pdf);
	if (rc) {
		fprintf(stderr, "packline: %s\n",
			docs_pdf_error()[0] ? docs_pdf_error() : pl_strerror(rc));
		buf_release(&pdf);
		return exit_for(rc);
	}
	struct stat ost;
	if (strcmp(outp, "-") == 0) {
		rc =
		    fwrite(pdf.data, 1, pdf.len, stdout) == pdf.len && fflush(stdout) == 0 ? 0 : -1;
	} else if (stat(outp, &ost) == 0 && !S_ISREG(ost.st_mode)) {
		/* a device or a pipe (/dev/null, a FIFO): written in place - a
		 * rename would replace the device node with a plain file */
		f = fopen(outp, "wb");
		rc = f && fwrite(pdf.data, 1, pdf.len, f) == pdf.len ? 0 : -1;
		if (f && fclose(f) != 0)
			rc = -1;
	} else {
		snprintf(tmp, sizeof(tmp), "%s.tmp%ld", outp, (long)getpid());
		f = fopen(tmp, "wb");
		rc = f && fwrite(pdf.data, 1, pdf.len, f) == pdf.len ? 0 : -1;
		if (f && fclose(f) != 0)
			rc = -1;
		if (rc == 0 && rename(tmp, outp) != 0)
			rc = -1;
		if (rc)
			unlink(tmp);
	}
	buf_release(&pdf);
	if (rc) {
		fprintf(stderr, "packline: cannot write '%s': %s\n", outp, strerror(errno));
		return CLI_EINPUT;
	}
	return CLI_OK;
usage:
	fprintf(stderr, "usage: packline docs pdf NUMBER|#ID -o FILE [--lang pl|en]\n");
	return CLI_EUSAGE;
}

/* `docs pay DOC AMOUNT [--as NAME]`: record money received (or paid back,
 * for a correction) against a document; the list's --paid/--unpaid/
 * --partly-paid read it. Only the store changes (no device, no service): no
 * journal job, an audit row in the same transaction. */
static int cmd_docs_pay(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"as", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	const char *given = NULL;
	char actor[64], a[32], t[32];
	int64_t id = 0, amount = 0, paid = 0;
	struct document d;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'a')
			return CLI_EUSAGE;
		given = optarg;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: packline docs pay NUMBER|#ID AMOUNT [--as NAME]\n");
		return CLI_EUSAGE;
	}
	if (money_parse(argv[optind + 1], &amount) || amount <= 0) {
		fprintf(stderr, "packline: AMOUNT is money above zero like 12.30, not '%s'\n",
			argv[optind + 1]);
		return CLI_EUSAGE;
	}
	if (given && strlen(given) > 63) {
		fprintf(stderr, "packline: --as is at most 63 bytes\n");
		return CLI_EUSAGE;
	}
	actor_name(given, actor, sizeof(actor));
	rc = open_store(cli);
	if (rc)
		return exit_for(rc);
	rc = resolve_doc(cli, argv[optind], &id);
	if (rc)
		return rc;
	doc_init(&d);
	rc = store_doc_get(cli->store, id, &d);
	if (!rc)
		rc = store_doc_pay(cli->store, id, amount, actor, pl_now(), &paid);
	if (rc == -PL_ETOOBIG)
		fprintf(stderr,
			"packline: %s: %s more than the %s %s still owed; nothing recorded\n",
			d.number, money_format(amount, a, sizeof(a)),
			money_format(llabs(d.total_gross) - llabs(d.amount_paid), t, sizeof(t)),
			d.currency);
	else if (rc == -PL_ESTATE)
		fprintf(stderr, "packline: %s is %s: no payment recorded\n", d.number,
			doc_state_name(d.state));
	else if (!rc)
		printf("%s: paid %s of %s %s\n", d.number, money_format(paid, a, sizeof(a)),
		       money_format(d.total_gross, t, sizeof(t)), d.currency);
	doc_release(&d);
	return rc == -PL_ETOOBIG || rc == -PL_ESTATE ? CLI_EINPUT : exit_for(rc);
}

/* ---- process: decide and issue ------------------------------------------ */

static int open_env(struct cli *cli, struct process_env *env);

/* `docs issue ORDER [--kind K]`: the order's document now, by the rules or
 * of kind K, through the engine like `process` (the same key: a rule and
 * this command never issue the same document twice). */
static int cmd_docs_issue(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	struct process_env env;
	struct process_report rep;
	enum doc_kind kind = DOC_NONE;
	struct order o;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k') {
			if (doc_kind_parse(optarg, &kind) || kind == DOC_NONE ||
			    kind == DOC_CORRECTION || kind == DOC_REFUND ||
			    kind == DOC_RECEIPT_NIP) {
				fprintf(stderr,
					"packline: --kind is one of receipt, invoice, proforma, "
					"advance, final, wz (a correction: `docs correct`), not "
					"'%s'\n",
					optarg);
				return CLI_EUSAGE;
			}
		} else {
			return CLI_EUSAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: packline docs issue ORDER [--kind K]\n");
		return CLI_EUSAGE;
	}
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	env.force_kind = kind;
	order_init(&o);
	process_report_init(&rep);
	rc = resolve_order(cli, argv[optind], &o);
	if (!rc)
		rc = process_order(&env, &o, &rep);
	if (!rc)
		rc = process_finish(&env, &rep);
	process_report_print(&rep, stdout);
	if (!rc && rep.failed)
		rc = -PL_EINVAL;
	if (!rc && rep.device_errors) {
		fprintf(stderr, "packline: %s; the document waits for the device\n",
			rep.device_message);
		rc = -PL_EDEVICE;
	}
	process_report_release(&rep);
	order_release(&o);
	return exit_for(rc);
}

/* `docs correct DOC (--full | --line SKU:QTY ... [--shipping]) --reason R`:
 * a correction (a refund for a receipt) of DOC by line and quantity, through
 * the engine like `orders return` (agent/returns.h), DOC being the document
 * that sold the goods. */
static int cmd_docs_correct(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"line", required_argument, NULL, 'l'}, {"full", no_argument, NULL, 'f'},
	    {"shipping", no_argument, NULL, 's'},   {"reason", required_argument, NULL, 'r'},
	    {"as", required_argument, NULL, 'a'},   {NULL, 0, NULL, 0}};
	const char *reason = NULL, *given = NULL, *lines[RETURN_MAX_ARGS];
	char actor[64], number[64], msg[512];
	struct returns_take t = {0};
	struct process_env env;
	struct document d;
	struct order o;
	int64_t *qty = NULL, id = 0;
	size_t nlines = 0;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l' && nlines < RETURN_MAX_ARGS)
			lines[nlines++] = optarg;
		else if (c == 'f')
			t.full = true;
		else if (c == 's')
			t.delivery = true;
		else if (c == 'r')
			reason = optarg;
		else if (c == 'a')
			given = optarg;
		else
			return CLI_EUSAGE;
	}
	if (optind != argc - 1 || !reason || !*reason || t.full == (nlines > 0 || t.delivery)) {
		fprintf(stderr,
			"usage: packline docs correct NUMBER|#ID (--full | --line SKU:QTY ... "
			"[--shipping]) --reason TEXT [--as NAME]\n");
		return CLI_EUSAGE;
	}
	if (strlen(reason) > 255 || (given && strlen(given) > 63)) {
		fprintf(stderr, "packline: --reason is at most 255 bytes, --as 63\n");
		return CLI_EUSAGE;
	}
	actor_name(given, actor, sizeof(actor));
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	rc = resolve_doc(cli, argv[optind], &id);
	if (rc)
		return rc;
	doc_init(&d);
	order_init(&o);
	rc = store_doc_get(cli->store, id, &d);
	if (!rc)
		rc = store_order_get(cli->store, d.order_id, &o);
	if (rc)
		goto out;
	qty = calloc(o.nlines ? o.nlines : 1, sizeof(*qty));
	if (!qty) {
		rc = -PL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nlines; i++) {
		/* SKU:QTY, split at the last ':' (a SKU may hold one) */
		char *colon = strrchr(lines[i], ':');
		size_t k = o.nlines;
		int64_t q = 0;

		if (colon && colon != lines[i])
			for (k = 0; k < o.nlines; k++)
				if (strlen(o.lines[k].sku) == (size_t)(colon - lines[i]) &&
				    strncmp(o.lines[k].sku, lines[i], (size_t)(colon - lines[i])) ==
					0)
					break;
		if (!colon || k == o.nlines || parse_qty(colon + 1, &q) != 0) {
			fprintf(stderr,
				"packline: --line %s: write SKU:QTY, SKU one of the lines of %s "
				"and QTY > 0 with at most 3 decimals\n",
				lines[i], d.number);
			rc = -PL_EINVAL;
			goto out;
		}
		qty[k] += q;
	}
	t.doc_id = id;
	t.qty = qty;
	t.nqty = o.nlines;
	rc = returns_take(&env, &o, &t, actor, reason, number, sizeof(number), msg, sizeof(msg));
	if (rc)
		fprintf(stderr, "packline: %s not corrected: %s\n", d.number,
			msg[0] ? msg : pl_strerror(rc));
	else
		printf("%s: %s\n", d.number, msg);
out:
	free(qty);
	order_release(&o);
	doc_release(&d);
	return exit_for(rc);
}

/* `docs cancel DOC --reason R`: an intent on the engine (effects/
 * doccancel.h), worked here by id; the request is audited first. */
static int cmd_docs_cancel(struct cli *cli, int argc, char **argv)
{
	const char *reason, *given;
	struct journal_outcome oc;
	struct process_env env;
	struct document d;
	struct job jb = {0};
	char actor[64], detail[DOCCANCEL_REASON_MAX + 96];
	int64_t id = 0;
	int rc;

	if (reason_opts(argc, argv, "as", &reason, &given)) {
		fprintf(stderr,
			"usage: packline docs cancel NUMBER|#ID --reason TEXT [--as NAME]\n");
		return CLI_EUSAGE;
	}
	if (strlen(reason) > DOCCANCEL_REASON_MAX || (given && strlen(given) > 63)) {
		fprintf(stderr, "packline: --reason is at most %d bytes, --as 63\n",
			DOCCANCEL_REASON_MAX);
		return CLI_EUSAGE;
	}
	actor_name(given, actor, sizeof(actor));
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	rc = resolve_doc(cli, argv[optind], &id);
	if (rc)
		return rc;
	doc_init(&d);
	rc = store_doc_get(cli->store, id, &d);
	if (!rc)
		rc = doccancel_job(id, d.order_id, reason, actor, &jb);
	/* a document at fakturownia is cancelled there (effects/invoice_fkt.h) */
	if (!rc && strcmp(d.backend, FKT_SERVICE) == 0)
		snprintf(jb.kind, sizeof(jb.kind), "%s", FKT_CANCEL_KIND);
	if (!rc) {
		/* under the order, as the other operator actions: `audit --order` */
		snprintf(detail, sizeof(detail), "%s %s: %s", doc_kind_name(d.kind), d.number,
			 reason);
		rc = store_audit_add(cli->store, actor, "doc.cancel", d.order_number, detail,
				     pl_now());
	}
	if (!rc)
		rc = journal_intent(cli->journal, &jb);
	if (rc == 1 && jb.state == JOB_DONE) {
		printf("%s %s is cancelled already (job %" PRId64 ")\n", doc_kind_name(d.kind),
		       d.number, jb.id);
		rc = 0;
		goto out;
	}
	if (rc == 1 && jb.state == JOB_FAILED) /* refused before: ask again */
		rc = store_job_update(cli->store, jb.id, JOB_PENDING, true, NULL);
	if (rc < 0)
		goto out;
	memset(&oc, 0, sizeof(oc));
	rc = journal_work_ids(cli->journal, &jb.id, 1, NULL, &oc);
	if (rc)
		goto out;
	if (oc.state == JOB_DONE) {
		printf("%s\n", oc.message[0] ? oc.message : "cancelled");
	} else {
		fprintf(stderr, "packline: %s\n", oc.message[0] ? oc.message : "not cancelled");
		rc = oc.rc == -PL_ESTATE || oc.rc == 0 ? CLI_EINPUT : exit_for(oc.rc);
		goto done;
	}
out:
	rc = exit_for(rc);
done:
	job_release(&jb);
	doc_release(&d);
	return rc;
}

/* The e-mail's PDF (effects/email.h): one left in documents_dir as
 * doc-ID.pdf wins (made elsewhere, a service's copy), else ours is rendered. */
static int cli_email_pdf(void *arg, struct store *st, const struct document *d, const char *lang,
			 struct buf *out, char *why, size_t cap)
{
	const struct config *cfg = arg;
	int rc = email_pdf_from_dir(cfg->documents_dir, d, out);

	if (rc != -PL_ENOTFOUND)
		return rc;
	rc = docs_pdf_render(cfg, st, d->id, lang, out);
	if (rc)
		snprintf(why, cap, "%s", docs_pdf_error()[0] ? docs_pdf_error() : pl_strerror(rc));
	return rc;
}

/* The store, the fiscal printer and the label setup the workflow uses; the
 * printer and the label are optional (not configured: NULL in env). */
static int open_env(struct cli *cli, struct process_env *env)
{
	int rc = open_store(cli);

	if (rc)
		return rc;
	/* the fiscal printer is opened by the worker that claims a receipt,
	 * and closed after it: several processes share it in turn */
	if (config_has_section(cli->cfg, "printer", "fiscal")) {
		struct diag d;

		diag_init(&d);
		rc = posnet_cfg_load(config_view(cli->cfg), "fiscal", &cli->receipts.cfg, &d);
		if (rc)
			diag_print(&d, stderr, "packline");
		diag_release(&d);
		if (rc)
			return rc;
		cli->receipts.lazy = true;
	}
	rc = open_label(cli, false);
	if (rc && rc != -PL_ENOTFOUND)
		return rc;
	if (!cli->smartbill_ready && config_has_section(cli->cfg, "smartbill", "")) {
		struct diag d;

		diag_init(&d);
		rc = sb_setup_load(config_view(cli->cfg),
				   cli->store_dsn ? cli->store_dsn : cli->cfg->store,
				   &cli->smartbill.cfg, &d);
		if (rc)
			diag_print(&d, stderr, "packline");
		diag_release(&d);
		if (rc)
			return rc;
		cli->smartbill_ready = true;
	}
	if (!cli->fakturownia_ready && config_has_section(cli->cfg, "fakturownia", "")) {
		struct diag d;

		diag_init(&d);
		rc = fkt_setup_load(config_view(cli->cfg), &cli->fakturownia, &d);
		if (rc)
			diag_print(&d, stderr, "packline");
		diag_release(&d);
		if (rc)
			return rc;
		cli->fakturownia_ready = true;
	}
	if (!cli->email_ready && config_has_section(cli->cfg, "email", "")) {
		struct diag d;

		diag_init(&d);
		rc = email_setup_load(config_view(cli->cfg),
				      cli->store_dsn ? cli->store_dsn : cli->cfg->store,
				      &cli->email, &d);
		if (rc)
			diag_print(&d, stderr, "packline");
		diag_release(&d);
		if (rc)
			return rc;
		cli->email.subject = cli->cfg->tmpl[CONFIG_TMPL_EMAIL_SUBJECT];
		cli->email.pdf = cli_email_pdf;
		cli->email.pdf_arg = cli->cfg;
		/* KSeF hook: cli->email.ready stays NULL until the KSeF check lands */
		cli->email_ready = true;
	}
	if (!cli->journal) {
		struct journal_cfg jc = {
		    .station = cli->cfg->station,
		    .dsn = cli->store_dsn ? cli->store_dsn : cli->cfg->store,
		};
		const char *lease = getenv("PL_JOURNAL_LEASE_MS");
		size_t fixed = 0;

		if (lease) {
			long long ms;
			const char *why = parse_count(lease, 1, 86400000, &ms);
			if (why) {
				fprintf(stderr,
					"packline: PL_JOURNAL_LEASE_MS takes milliseconds from 1 "
					"to 86400000, not '%s' (%s)\n",
					lease, why);
				return -PL_ECONFIG;
			}
			jc.lease_ms = ms;
		}
		rc = journal_open(&cli->journal, cli->store, &jc);
		if (rc) {
			fprintf(stderr, "packline: cannot start the journal: %s\n",
				pl_strerror(rc));
			return rc;
		}
		cli->docs.numbering = cli->cfg->numbering;
		rc = journal_register(cli->journal, &docfx_ops, &cli->docs);
		if (!rc && cli->smartbill_ready) {
			cli->smartbill.docs = cli->docs;
			rc = journal_register(cli->journal, &sb_invoice_ops, &cli->smartbill);
		}
		if (!rc && cli->fakturownia_ready) {
			cli->fakturownia.docs = cli->docs;
			rc = fkt_register(cli->journal, &cli->fakturownia);
		}
		if (!rc && cli->receipts.lazy) {
			cli->receipts.docs = cli->docs;
			rc = journal_register(cli->journal, &receipt_ops, &cli->receipts);
			if (!rc)
				rc = journal_register(cli->journal, &fiscal_return_ops,
						      &cli->receipts);
		}
		if (!rc)
			rc = journal_register(cli->journal, &doccancel_ops, NULL);
		if (!rc && cli->email_ready)
			rc = journal_register(cli->journal, &email_ops, &cli->email);
		if (!rc && cli->label_loaded) {
			cli->label_fx = (struct label_fx){
			    .ls = &cli->label, .shipx = cli->shipx_ready ? &cli->shipx : NULL};
			rc = journal_register(cli->journal, &label_ops, &cli->label_fx);
		}
		/* old data: a document left pending by a job that was done (#8) */
		if (!rc)
			rc = journal_repair(cli->journal, &fixed);
		if (rc)
			return rc;
	}
	*env = (struct process_env){
	    .st = cli->store,
	    .cfg = cli->cfg,
	    .fiscal = cli->fiscal,
	    .label = cli->label_loaded ? &cli->label : NULL,
	    .email = cli->email_ready ? &cli->email : NULL,
	    .shipx = cli->shipx_ready ? &cli->shipx : NULL,
	    .journal = cli->journal,
	};
	return 0;
}

static int cmd_process(struct cli *cli, int argc, char **argv)
{
	struct process_env env;
	struct process_report rep;
	int rc;

	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	process_report_init(&rep);
	if (argc > 1) {
		for (int i = 1; i < argc && !rc; i++) {
			struct order o;
			order_init(&o);
			rc = resolve_order(cli, argv[i], &o);
			if (!rc)
				rc = process_order(&env, &o, &rep);
			order_release(&o);
		}
		if (!rc)
			rc = process_finish(&env, &rep);
	} else {
		rc = process_all(&env, &rep);
	}
	process_report_print(&rep, stdout);
	if (!rc && rep.failed)
		rc = -PL_EINVAL;
	if (rep.device_errors) {
		/* documents that need no device were issued; those that do wait,
		 * and the exit code says the device failed */
		fprintf(stderr,
			"packline: %s; %zu document(s) wait until the device can be reached "
			"(receipts wait for the fiscal printer); other documents are issued\n",
			rep.device_message, rep.device_errors);
		if (!rc || rc == -PL_EINVAL)
			rc = -PL_EDEVICE;
	}
	process_report_release(&rep);
	return exit_for(rc);
}

/* ---- run ------------------------------------------------------------------ */

/* Each worker thread of the pool registers the effects on its own engine;
 * the receipt effect gets its own printer handle (opened per job). */
static int pool_setup(struct journal *j, void *arg, size_t index)
{
	struct cli *cli = arg;
	int rc = journal_register(j, &docfx_ops, &cli->docs);

	if (!rc)
		rc = journal_register(j, &doccancel_ops, NULL);
	if (!rc && cli->smartbill_ready)
		rc = journal_register(j, &sb_invoice_ops, &cli->smartbill);
	if (!rc && cli->fakturownia_ready)
		rc = fkt_register(j, &cli->fakturownia);
	if (!rc && cli->email_ready)
		rc = journal_register(j, &email_ops, &cli->email);
	if (!rc && cli->receipts.lazy) {
		cli->pool_receipts[index] = cli->receipts;
		cli->pool_receipts[index].dev = NULL;
		rc = journal_register(j, &receipt_ops, &cli->pool_receipts[index]);
		if (!rc)
			rc = journal_register(j, &fiscal_return_ops, &cli->pool_receipts[index]);
	}
	if (!rc && cli->label_loaded) {
		struct label_fx *fx = &cli->pool_label[index];

		if (cli->label.use_shipx && !cli->pool_shipx_ready[index]) {
			rc = shipx_init(&cli->pool_shipx[index], &cli->label.shipx);
			if (rc)
				return rc;
			cli->pool_shipx_ready[index] = true;
		}
		*fx = (struct label_fx){
		    .ls = &cli->label,
		    .shipx = cli->pool_shipx_ready[index] ? &cli->pool_shipx[index] : NULL};
		rc = journal_register(j, &label_ops, fx);
	}
	return rc;
}

/* SIGHUP reloads of one run; each retired configuration stays allocated
 * until the run ends, because handles opened from it (printer, label
 * setup) may still point into it. */
#define CLI_MAX_RELOADS 64

struct cli_reload {
	struct cli *cli;
	struct journal_cfg jc;
	size_t nworkers;
	struct config *retired[CLI_MAX_RELOADS];
	size_t nretired;
};

/* run_reload_fn (agent/run.h): runs between two cycles on the run's thread. */
static int cli_reload(void *arg, struct process_env *env, struct run_settings *next)
{
	struct cli_reload *r = arg;
	struct cli *cli = r->cli;
	struct config *nc = NULL;
	struct diag d;
	int rc;

	if (!cli->cfg->path[0]) {
		pl_err("SIGHUP: running on the built-in defaults, there is no file to re-read");
		return -PL_ECONFIG;
	}
	if (r->nretired == CLI_MAX_RELOADS) {
		pl_err("SIGHUP: %d reloads in one run; restart packline to apply more",
		       CLI_MAX_RELOADS);
		return -PL_EBUSY;
	}
	diag_init(&d);
	rc = config_load(&nc, cli->cfg->path, &d);
	if (rc) {
		diag_print(&d, stderr, "packline: SIGHUP: config");
		pl_err("SIGHUP: configuration '%s' refused: %zu error(s)", cli->cfg->path,
		       diag_count(&d));
		diag_release(&d);
		return rc;
	}
	diag_release(&d);
	/* the store connection and the journal's owner are open on the old
	 * values: swapping them under running jobs is not a reload */
	if ((!cli->store_dsn && strcmp(nc->store, cli->cfg->store) != 0) ||
	    strcmp(nc->station, cli->cfg->station) != 0) {
		pl_err("SIGHUP: configuration '%s' refused: store or station changed "
		       "(restart packline for that)",
		       cli->cfg->path);
		config_free(nc);
		return -PL_ECONFIG;
	}
	/* the workers read the numbering patterns: each finishes the effect in
	 * hand and is started again on the new configuration */
	if (env->pool) {
		rc = journal_pool_stop(env->pool);
		env->pool = NULL;
		if (rc)
			pl_err("SIGHUP: a worker failed while stopping: %s", pl_strerror(rc));
	}
	r->retired[r->nretired++] = cli->cfg;
	cli->cfg = nc;
	env->cfg = nc;
	cli->docs.numbering = nc->numbering;
	cli->receipts.docs = cli->docs;
	if (nc->log_level_set)
		pl_log_set_level(nc->log_level);
	if (r->nworkers) {
		rc = journal_pool_start(&env->pool, &r->jc, r->nworkers, pool_setup, cli);
		if (rc) {
			/* not fatal: without a pool the run performs on its own thread */
			env->pool = NULL;
			pl_err("SIGHUP: cannot restart the workers (%s); effects run on the "
			       "main thread",
			       pl_strerror(rc));
		}
	}
	next->inbox = nc->inbox;
	next->poll_seconds = nc->poll_seconds;
	next->helper_idle_seconds = nc->helper_idle_seconds;
	pl_warn("SIGHUP: configuration '%s' accepted (printer, label and courier settings "
		"apply at the next start)",
		cli->cfg->path);
	return 0;
}

static int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct process_env env;
	struct run_stats stats;
	bool once = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			once = true;
		} else {
			fprintf(stderr, "usage: packline run [--once]\n");
			return CLI_EUSAGE;
		}
	}
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	{
		/* effects run on worker threads: one slow printer never holds up
		 * the invoices, and this thread only imports, records and watches */
		const char *w = getenv("PL_JOURNAL_WORKERS");
		long long n = 2, ms = 0;
		static struct cli_reload r; /* large: not on the stack */
		const char *lease = getenv("PL_JOURNAL_LEASE_MS");
		struct run_settings set = {
		    .inbox = cli->cfg->inbox,
		    .poll_seconds = cli->cfg->poll_seconds,
		    .helper_idle_seconds = cli->cfg->helper_idle_seconds,
		};
		int prc;

		memset(&r, 0, sizeof(r));
		r.cli = cli;
		r.jc = (struct journal_cfg){
		    .station = cli->cfg->station,
		    .dsn = cli->store_dsn ? cli->store_dsn : cli->cfg->store,
		};
		if (w) {
			const char *why = parse_count(w, 0, CLI_MAX_WORKERS, &n);
			if (why) {
				fprintf(
				    stderr,
				    "packline: PL_JOURNAL_WORKERS takes 0 to %d worker threads, "
				    "not '%s' (%s)\n",
				    CLI_MAX_WORKERS, w, why);
				return CLI_ECONFIG;
			}
		}
		/* checked strictly by open_env() already */
		if (lease && !parse_count(lease, 1, 86400000, &ms))
			r.jc.lease_ms = ms;
		/* --once works every job on this thread and ends with nothing
		 * claimable left; pool workers beside it would still hold jobs
		 * when it ends, and be stopped with those undone */
		if (once)
			n = 0;
		r.nworkers = (size_t)n;
		if (n > 0) {
			rc = journal_pool_start(&env.pool, &r.jc, (size_t)n, pool_setup, cli);
			if (rc) {
				fprintf(stderr, "packline: cannot start the workers: %s\n",
					pl_strerror(rc));
				return exit_for(rc);
			}
		}
		rc = run_loop(&env, &set, once, stdout, &stats, cli_reload, &r);
		/* each worker finishes the effect in hand */
		prc = journal_pool_stop(env.pool);
		if (!rc)
			rc = prc;
		for (size_t i = 0; i < r.nretired; i++)
			config_free(r.retired[i]);
	}
	return exit_for(rc);
}

/* ---- packing station (agent/station_tui.h) --------------------------------- */

static int cmd_station(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"scanner", required_argument, NULL, 's'},
					     {"log", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	struct station_opts so;
	struct process_env env;
	const char *scanner = NULL;
	const char *log_path = NULL;
	int c, rc, prc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's' && station_scan_check(optarg) == 0)
			scanner = optarg;
		else if (c == 'l')
			log_path = optarg;
		else {
			fprintf(stderr, "usage: packline station [--scanner tty|evdev:DEV[:pl]|"
					"serial:PATH[@BAUD]] [--log FILE]\n");
			return CLI_EUSAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: packline station [--scanner SPEC] [--log FILE]\n");
		return CLI_EUSAGE;
	}
	rc = open_env(cli, &env);
	if (rc)
		return exit_for(rc);
	station_opts_load(config_view(cli->cfg), &so);
	if (scanner)
		snprintf(so.scanner, sizeof(so.scanner), "%s", scanner);
	so.station = cli->cfg->station;
	so.log_path = log_path;
	{
		/* the effects run on the pool's threads: the station's thread only
		 * records intents and reads the jobs back */
		struct journal_cfg jc = {
		    .station = cli->cfg->station,
		    .dsn = cli->store_dsn ? cli->store_dsn : cli->cfg->store,
		};
		rc = journal_pool_start(&env.pool, &jc, 2, pool_setup, cli);
		if (rc) {
			fprintf(stderr, "packline: cannot start the workers: %s\n",
				pl_strerror(rc));
			return exit_for(rc);
		}
	}
	rc = station_tui_run(&env, &so);
	prc = journal_pool_stop(env.pool);
	return exit_for(rc ? rc : prc);
}

/* ---- fiscal printer ------------------------------------------------------ */

static const char *printer_name(int argc, char **argv)
{
	return argc > 1 ? argv[1] : "fiscal";
}

static int cmd_printer_status(struct cli *cli, int argc, char **argv)
{
	int rc = open_printer(cli, printer_name(argc, argv), true);

	if (rc)
		return rc == -PL_ENOTFOUND ? CLI_ECONFIG : exit_for(rc);
	rc = receipt_printer_status(cli->fiscal, stdout);
	if (rc)
		fprintf(stderr, "packline: printer: %s\n", posnet_dev_last_message(cli->fiscal));
	return exit_for(rc);
}

static int cmd_printer_reconcile(struct cli *cli, int argc, char **argv)
{
	struct receipt_reconcile_report rep;
	int rc = open_store(cli);

	if (!rc)
		rc = open_printer(cli, printer_name(argc, argv), true);
	if (rc)
		return rc == -PL_ENOTFOUND ? CLI_ECONFIG : exit_for(rc);
	memset(&rep, 0, sizeof(rep));
	rc = receipt_reconcile_all(cli->store, cli->fiscal, &rep);
	printf("receipt jobs examined %zu: %zu found printed, %zu printed again, %zu left for the "
	       "operator, %zu failed\n",
	       rep.examined, rep.done, rep.reprinted, rep.undecided, rep.failed);
	return exit_for(rc);
}

static int cmd_printer_daily_report(struct cli *cli, int argc, char **argv)
{
	long long rd = 0;
	int rc = open_store(cli);

	if (!rc)
		rc = open_printer(cli, printer_name(argc, argv), true);
	if (rc)
		return rc == -PL_ENOTFOUND ? CLI_ECONFIG : exit_for(rc);
	rc = posnet_daily_report(cli->fiscal, NULL, &rd);
	if (rc) {
		fprintf(stderr, "packline: daily report: %s\n",
			posnet_dev_last_message(cli->fiscal));
		return exit_for(rc);
	}
	store_audit_add(cli->store, getenv("USER") ? getenv("USER") : "operator", "daily-report",
			printer_name(argc, argv), NULL, pl_now());
	printf("daily report printed (report number %lld)\n", rd);
	return CLI_OK;
}

/* ---- labels ------------------------------------------------------------------ */

static int cmd_label(struct cli *cli, int argc, char **argv, bool reprint)
{
	struct label_result res;
	struct order o;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: packline label %s ORDER\n", reprint ? "reprint" : "print");
		return CLI_EUSAGE;
	}
	rc = open_store(cli);
	if (!rc)
		rc = open_label(cli, true);
	if (rc)
		return rc == -PL_ENOTFOUND ? CLI_ECONFIG : exit_for(rc);
	order_init(&o);
	memset(&res, 0, sizeof(res));
	rc = resolve_order(cli, argv[1], &o);
	if (!rc && reprint)
		rc = label_reprint(cli->store, &cli->label, &o,
				   getenv("USER") ? getenv("USER") : "operator", &res);
	else if (!rc)
		rc = label_print(cli->store, &cli->label, cli->shipx_ready ? &cli->shipx : NULL, &o,
				 &res);
	if (res.message[0])
		fprintf(rc ? stderr : stdout, "%s: %s\n", o.number, res.message);
	order_release(&o);
	if (rc == -PL_ENOTFOUND && reprint && res.job_id == 0)
		return CLI_EINPUT; /* no label printed yet; a missing queue is a device error */
	return rc == -PL_EIO || rc == -PL_ENOTFOUND ? CLI_EDEVICE : exit_for(rc);
}

static int cmd_label_print(struct cli *cli, int argc, char **argv)
{
	return cmd_label(cli, argc, argv, false);
}

static int cmd_label_reprint(struct cli *cli, int argc, char **argv)
{
	return cmd_label(cli, argc, argv, true);
}

/* ---- jobs and the audit log (agent/jobs_cli.c) ---------------------------- */

static int cmd_jobs(struct cli *cli, int argc, char **argv,
		    int (*fn)(const struct jobs_cli_ctx *, int, char **))
{
	struct jobs_cli_ctx cx = {.parse_count = parse_count};
	int rc = open_store(cli);

	if (rc)
		return exit_for(rc);
	cx.store = cli->store;
	return fn(&cx, argc, argv);
}

static int cmd_jobs_list(struct cli *cli, int argc, char **argv)
{
	return cmd_jobs(cli, argc, argv, jobs_cli_list);
}

static int cmd_jobs_show(struct cli *cli, int argc, char **argv)
{
	return cmd_jobs(cli, argc, argv, jobs_cli_show);
}

static int cmd_jobs_resolve(struct cli *cli, int argc, char **argv)
{
	return cmd_jobs(cli, argc, argv, jobs_cli_resolve);
}

static int cmd_jobs_retry(struct cli *cli, int argc, char **argv)
{
	return cmd_jobs(cli, argc, argv, jobs_cli_retry);
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
	return cmd_jobs(cli, argc, argv, jobs_cli_audit);
}

/* ---- config, version, help ----------------------------------------------- */

static int cmd_config_check(struct cli *cli, int argc, char **argv)
{
	if (argc > 1)
		cli->config_path = argv[1];
	if (!discover_config(cli->config_path)) {
		printf("no configuration file found; built-in defaults are in force\n");
		return CLI_OK;
	}
	cli->show_warnings = true;
	if (load_config(cli))
		return CLI_ECONFIG;
	/* warnings leave the exit status 0: they name values that are legal */
	printf("%s: ok (%zu rules)\n", cli->cfg->path, cli->cfg->nrules);
	return CLI_OK;
}

static int cmd_config_dump(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (load_config(cli))
		return CLI_ECONFIG;
	config_dump(cli->cfg, stdout);
	return CLI_OK;
}

/* `packline sim KIND ...`: the simulator parses its own options (and --help). */
static int cmd_sim(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2) {
		fprintf(stderr,
			"usage: packline sim posnet [options]  (packline sim posnet --help)\n");
		return CLI_EUSAGE;
	}
	return sim_cli_main(argc - 1, argv + 1);
}

/* `web passwd`: read a password (no echo on a terminal, else one line of
 * stdin) and print its scrypt hash for [web] password_hash (agent/webauth.h). */
static int cmd_web_passwd(struct cli *cli, int argc, char **argv)
{
	char pass[WEBAUTH_PASSWORD_MAX + 2], hash[WEBAUTH_HASH_MAX];
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len;
	int rc;

	(void)cli;
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: packline web passwd  (the password on stdin)\n");
		return CLI_EUSAGE;
	}
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fprintf(stderr, "password: ");
	}
	if (!fgets(pass, sizeof(pass), stdin))
		pass[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	len = strcspn(pass, "\r\n");
	if (len > WEBAUTH_PASSWORD_MAX) {
		fprintf(stderr, "packline: the password is longer than %d bytes\n",
			WEBAUTH_PASSWORD_MAX);
		rc = CLI_EINPUT;
		goto out;
	}
	pass[len] = '\0';
	if (len < 8) {
		fprintf(stderr, "packline: a password of at least 8 characters, please\n");
		rc = CLI_EINPUT;
		goto out;
	}
	rc = webauth_hash(pass, hash);
	if (rc) {
		fprintf(stderr, "packline: cannot hash the password: %s\n", pl_strerror(rc));
		rc = exit_for(rc);
		goto out;
	}
	printf("%s\n", hash);
	rc = CLI_OK;
out:
	explicit_bzero(pass, sizeof(pass));
	return rc;
}

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("packline %s\n", PL_VERSION);
	return CLI_OK;
}

static const struct cli_cmd commands[] = {
    {"orders", "import", cmd_orders_import, "orders import FILE|DIR|- ...",
     "Validate and store orders (JSON, see docs/orders.md). A file is imported whole or not\n"
     "at all; re-importing an order updates it and records its status change."},
    {"orders", "list", cmd_orders_list,
     "orders list [--status S] [--source S] [--limit N] [--held]",
     "List stored orders, newest first; --held lists the orders held because they changed\n"
     "after their document was issued, with the change."},
    {"orders", "return", cmd_orders_return,
     "orders return ORDER --line N=QTY ... [--delivery] --reason TEXT [--actor NAME]",
     "Take goods back now: QTY of order line N (repeatable) and with --delivery the shipping,\n"
     "by a correction of the order's document (a refund for a receipt, [returns] receipt).\n"
     "Never more than is left; logged in the audit log."},
    {"orders", "accept", cmd_orders_accept, "orders accept ORDER --reason TEXT [--actor NAME]",
     "Release a held order: its changed content is taken as it is (no new document). Who\n"
     "(--actor, else the unix user), when and why go to the audit log."},
    {"orders", "correct", cmd_orders_correct, "orders correct ORDER --reason TEXT [--actor NAME]",
     "Release a held order with a correction of the difference (lines removed or lowered,\n"
     "shipping dropped); a refund for a receipt. Logged in the audit log."},
    {"orders", "show", cmd_orders_show, "orders show ORDER",
     "Show an order (by number, SOURCE:ID or #ROWID) as JSON with its status history."},
    {"rules", "check", cmd_rules_check, "rules check [FILE]",
     "Check a configuration file's rules (and the rest of it); errors name FILE:LINE:COL."},
    {"rules", "explain", cmd_rules_explain, "rules explain ORDER",
     "Show every rule, whether it matched this order, and the clause that decided it."},
    {"docs", "list", cmd_docs_list,
     "docs list [--kind K] [--state S] [--paid|--unpaid|--partly-paid] [--from DATE]\n"
     "    [--to DATE] [--station S] [--search TEXT] [--order ORDER] [--limit N] [--after CURSOR]",
     "List documents, newest first: filters combine; --search finds words in the number,\n"
     "buyer, NIP or order number; a full page ends with the --after cursor of the next."},
    {"docs", "pay", cmd_docs_pay, "docs pay NUMBER|#ID AMOUNT [--as NAME]",
     "Record a payment received for a document (paid back, for a correction); audited."},
    {"docs", "show", cmd_docs_show, "docs show NUMBER|#ID",
     "Show a document with its lines and VAT summary."},
    {"docs", "pdf", cmd_docs_pdf, "docs pdf NUMBER|#ID -o FILE [--lang pl|en]",
     "Write the document as PDF ([seller], [pdf]): invoice, proforma, advance, final,\n"
     "correction, WZ, receipt copy; a VAT invoice carries the KSeF QR code (KOD I).\n"
     "FILE - is stdout. Changes nothing."},
    {"docs", "issue", cmd_docs_issue, "docs issue ORDER [--kind K]",
     "Issue the order's document now: the one the rules choose, or of kind K (receipt,\n"
     "invoice, proforma, advance, final, wz). The same journal key as `process`: never\n"
     "twice."},
    {"docs", "correct", cmd_docs_correct,
     "docs correct NUMBER|#ID (--full | --line SKU:QTY ... [--shipping]) --reason TEXT [--as NAME]",
     "Correct the document that sold an order's goods by line and quantity (--full: all that\n"
     "is left, the shipping included); a refund for a receipt. Never more than is left;\n"
     "through the journal; audited."},
    {"docs", "cancel", cmd_docs_cancel, "docs cancel NUMBER|#ID --reason TEXT [--as NAME]",
     "Cancel an issued document of our own numbering (its number stays used; never a\n"
     "fiscal receipt - take goods back by `orders return`; not while a correction refers\n"
     "to it). Through the journal, once per document; who and why go to the audit log."},
    {"process", NULL, cmd_process, "process [ORDER ...]",
     "Decide each order's document by the rules, number it and issue it (all orders without\n"
     "a document when none are named). Prints the result table."},
    {"config", "check", cmd_config_check, "config check [FILE]",
     "Load the configuration and report every error with FILE:LINE[:COL]."},
    {"config", "dump", cmd_config_dump, "config dump",
     "Print the effective configuration (secrets masked)."},
    {"run", NULL, cmd_run, "run [--once]",
     "The station's cycle: settle unfinished receipt jobs, then every poll_seconds import\n"
     "the inbox ([packline] inbox: done/ and failed/ beside it) and process what arrived.\n"
     "Stops on SIGTERM/SIGINT; --once runs one cycle."},
    {"station", NULL, cmd_station, "station [--scanner SPEC] [--log FILE]",
     "The scan-to-verify packing screen (docs/station.md): scan an order, then its items;\n"
     "when all are counted its documents and label are recorded like `process` does and\n"
     "performed by the journal's workers. SPEC: tty (default), evdev:/dev/input/eventN[:pl],\n"
     "serial:PATH[@BAUD]. Ends on Ctrl-C or the end of the input."},
    {"printer", "status", cmd_printer_status, "printer status [NAME]",
     "Read the fiscal printer's state, counters and VAT table (NAME: [printer \"NAME\"],\n"
     "default \"fiscal\")."},
    {"printer", "reconcile", cmd_printer_reconcile, "printer reconcile [NAME]",
     "Settle receipt jobs left unfinished by a crash or a timeout, from the printer's own\n"
     "counters: found printed -> done; not printed -> printed once; unclear -> left for you."},
    {"receipt", "reconcile", cmd_printer_reconcile, "receipt reconcile [NAME]",
     "The same as `printer reconcile`."},
    {"printer", "daily-report", cmd_printer_daily_report, "printer daily-report [NAME]",
     "Print the daily report (raport dobowy) on the fiscal printer; logged in the audit log."},
    {"label", "print", cmd_label_print, "label print ORDER",
     "Print the order's shipping label ([label]); a second call prints nothing new."},
    {"label", "reprint", cmd_label_reprint, "label reprint ORDER",
     "Print the same label bytes again (never a new shipment); logged in the audit log."},
    {"web", "passwd", cmd_web_passwd, "web passwd",
     "Read a password (stdin; not echoed on a terminal) and print its scrypt hash for\n"
     "[web] password_hash."},
    {"jobs", "list", cmd_jobs_list, "jobs list [--state S] [--kind K] [--order ORDER] [--limit N]",
     "List the journal's jobs with state, hold, attempts, resource, owner/lease, age and\n"
     "message; a job the agent cannot settle by itself is marked for you."},
    {"jobs", "show", cmd_jobs_show, "jobs show ID",
     "Show a job: request, evidence, document, why it is held, and every attempt."},
    {"jobs", "resolve", cmd_jobs_resolve,
     "jobs resolve ID --done|--failed --reason TEXT [--as NAME]",
     "Settle an unknown, held or lapsed job after checking the device: --done issues its\n"
     "document, --failed fails it. Never a live worker's job. Who, when and why are audited."},
    {"jobs", "retry", cmd_jobs_retry, "jobs retry ID [--reason TEXT] [--as NAME]",
     "Re-arm a failed (or held) job to pending; the next `run` or `process` performs it."},
    {"audit", NULL, cmd_audit, "audit [--order ORDER] [--limit N]",
     "The audit log, newest first: operator actions and every job attempt (default 50;\n"
     "--limit 0 shows all)."},
    {"sim", NULL, cmd_sim, "sim posnet [--pty|--tcp PORT] [options]",
     "Serve the POSNET fiscal printer simulator on a pseudo-terminal or a TCP port\n"
     "(docs/posnet.md); `packline sim posnet --help` lists its options."},
    {"version", NULL, cmd_version, "version", "Print the version."},
};

static const struct cli_cmd *find_cmd(const char *name, const char *sub)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (!commands[i].sub || (sub && strcmp(commands[i].sub, sub) == 0))
			return &commands[i];
	}
	return NULL;
}

/* The commands of group `name` ("orders"), one usage line each; false when
 * there is no such group. */
static bool print_group(const char *name, FILE *out)
{
	bool any = false;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0 || !commands[i].sub)
			continue;
		if (!any)
			fprintf(out, "usage: packline %s COMMAND\n\ncommands:\n", name);
		fprintf(out, "  %s\n", commands[i].usage);
		any = true;
	}
	if (any)
		fprintf(out, "\npackline %s COMMAND --help: help on a command\n", name);
	return any;
}

static void print_usage(FILE *out)
{
	fprintf(out, "usage: packline [--config FILE] [--store DSN] [--log-level LEVEL] COMMAND\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out,
		"\noptions:\n"
		"  --config FILE      configuration (default: $PACKLINE_CONFIG, ./packline.ini,\n"
		"                     /etc/packline/packline.ini, else built-in defaults)\n"
		"  --store DSN        store to use instead of the configured one (sqlite:PATH)\n"
		"  --log-level LEVEL  error, warn (default), info, debug; -v is info\n"
		"  COMMAND --help     help on a command\n\n"
		"exit codes: 0 ok, 1 bad input (orders, rules), 2 usage, 3 configuration,\n"
		"            4 store, 5 device or service, 70 internal error\n");
}

int cli_main(int argc, char **argv)
{
	struct cli cli = {0};
	const struct cli_cmd *cmd;
	int i = 1, rc;

	pl_log_set_ident("packline");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cli.config_path = argv[++i];
		} else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
			cli.store_dsn = argv[++i];
		} else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
			enum pl_log_level lv;
			if (pl_log_parse_level(argv[++i], &lv) != 0) {
				fprintf(stderr, "packline: unknown log level '%s'\n", argv[i]);
				return CLI_EUSAGE;
			}
			pl_log_set_level(lv);
		} else if (strcmp(argv[i], "-v") == 0) {
			pl_log_set_level(PL_LOG_INFO);
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(&cli, 0, NULL);
		} else {
			fprintf(stderr, "packline: unknown option '%s'\n", argv[i]);
			print_usage(stderr);
			return CLI_EUSAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return CLI_EUSAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		print_usage(stdout);
		return CLI_OK;
	}
	cmd = find_cmd(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (!cmd && (i + 1 >= argc || wants_help(argc - i, argv + i)) &&
	    print_group(argv[i], i + 1 < argc ? stdout : stderr))
		/* "packline orders --help": the group's commands; bare "packline orders": usage */
		return i + 1 < argc ? CLI_OK : CLI_EUSAGE;
	if (!cmd) {
		fprintf(stderr, "packline: unknown command '%s%s%s'\n", argv[i],
			i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
		print_usage(stderr);
		return CLI_EUSAGE;
	}
	argc -= i + (cmd->sub ? 1 : 0);
	argv += i + (cmd->sub ? 1 : 0);
	if (cmd->fn != cmd_sim && wants_help(argc, argv)) {
		printf("usage: packline %s\n\n%s\n", cmd->usage, cmd->help);
		return CLI_OK;
	}
	rc = cmd->fn(&cli, argc, argv);
	journal_close(cli.journal);
	if (cli.receipts.dev)
		posnet_dev_close(cli.receipts.dev);
	if (cli.fiscal)
		posnet_dev_close(cli.fiscal);
	if (cli.shipx_ready)
		shipx_release(&cli.shipx);
	for (size_t w = 0; w < CLI_MAX_WORKERS; w++)
		if (cli.pool_shipx_ready[w])
			shipx_release(&cli.pool_shipx[w]);
	if (cli.label_loaded)
		label_setup_release(&cli.label);
	if (cli.email_ready)
		email_fx_release(&cli.email);
	store_close(cli.store);
	config_free(cli.cfg);
	return rc;
}
