/* SPDX-License-Identifier: Apache-2.0 */
/* store/store_sqlite.c - the SQLite backend of store/store.h.
 *
 * Durability (docs/store.md): WAL with synchronous=FULL, so a commit is on
 * disk when COMMIT returns (WAL+NORMAL may lose the last commits on power
 * loss, and the journal's "intent before effect" rule needs the intent on
 * disk before the printer gets a byte). Every write is one BEGIN IMMEDIATE
 * transaction: the write lock is taken up front, so two processes on one file
 * queue on busy_timeout instead of failing with SQLITE_BUSY when a read
 * transaction tries to become a write transaction.
 *
 * Enums are stored as their text names so that an accountant with the
 * sqlite3 shell reads "invoice", "issued", "23" rather than 3, 1, 0.
 *
 * Reads that cover several tables run in one deferred (read) transaction, so
 * they see one snapshot. Listings first collect ids and then load and report
 * each row with no statement open, so a callback may write to the store.
 */
#include "store/store.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/order_diff.h"

#include <ctype.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How long one lock wait may take, and how often BEGIN IMMEDIATE is retried
 * after the busy handler gave up: 10 s x 6 = one minute of waiting before a
 * write reports -PL_EBUSY. */
#define STORE_BUSY_MS    10000
#define STORE_BUSY_TRIES 6

/* ---- schema ------------------------------------------------------------ */

/* Forward migrations. Entry i takes the schema from version i to i + 1, in one
 * transaction together with PRAGMA user_version. Never edit a shipped entry:
 * add a new one. */
static const char *const migrations[] = {
    /* 1: foundation (orders, documents, numbering, journal, audit) */
    "CREATE TABLE orders (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source TEXT NOT NULL CHECK (source <> ''),\n"
    "  ext_id TEXT NOT NULL CHECK (ext_id <> ''),\n"
    "  number TEXT NOT NULL DEFAULT '',\n"
    "  created INTEGER NOT NULL,\n"
    "  updated INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  currency TEXT NOT NULL CHECK (length(currency) = 3),\n"
    "  total INTEGER NOT NULL,\n"
    "  buyer_name TEXT NOT NULL, buyer_company TEXT NOT NULL, buyer_nip TEXT NOT NULL,\n"
    "  buyer_email TEXT NOT NULL, buyer_phone TEXT NOT NULL, buyer_country TEXT NOT NULL,\n"
    "  billing_street TEXT NOT NULL, billing_postcode TEXT NOT NULL,\n"
    "  billing_city TEXT NOT NULL, billing_country TEXT NOT NULL,\n"
    "  delivery_method TEXT NOT NULL, delivery_pickup_point TEXT NOT NULL,\n"
    "  delivery_street TEXT NOT NULL, delivery_postcode TEXT NOT NULL,\n"
    "  delivery_city TEXT NOT NULL, delivery_country TEXT NOT NULL,\n"
    "  delivery_recipient TEXT NOT NULL, delivery_cost INTEGER NOT NULL,\n"
    "  delivery_cost_vat TEXT NOT NULL,\n"
    "  payment_type TEXT NOT NULL, payment_status TEXT NOT NULL,\n"
    "  payment_paid INTEGER NOT NULL,\n"
    "  notes TEXT NOT NULL,\n"
    "  allegro_checkout_id TEXT NOT NULL,\n"
    "  first_stored INTEGER NOT NULL, -- unix seconds of the first import\n"
    "  last_stored INTEGER NOT NULL,  -- unix seconds of the last change\n"
    "  UNIQUE (source, ext_id)\n"
    ");\n"
    "CREATE INDEX orders_number ON orders(number);\n"
    "CREATE INDEX orders_ext_id ON orders(ext_id);\n"
    "CREATE INDEX orders_created ON orders(created);\n"
    "CREATE TABLE order_lines (\n"
    "  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  sku TEXT NOT NULL, ean TEXT NOT NULL, name TEXT NOT NULL,\n"
    "  qty INTEGER NOT NULL, -- thousandths\n"
    "  unit TEXT NOT NULL,\n"
    "  unit_price INTEGER NOT NULL, -- gross, minor units\n"
    "  vat TEXT NOT NULL,\n"
    "  PRIMARY KEY (order_id, pos)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE order_tags (\n"
    "  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  tag TEXT NOT NULL,\n"
    "  PRIMARY KEY (order_id, pos)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE status_events (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,\n"
    "  from_status TEXT NOT NULL, -- '' for the first status\n"
    "  to_status TEXT NOT NULL,\n"
    "  at INTEGER NOT NULL -- unix seconds\n"
    ");\n"
    "CREATE INDEX status_events_order ON status_events(order_id, id);\n"
    "CREATE TABLE documents (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL,\n"
    "  number TEXT NOT NULL DEFAULT '', -- '' until numbered\n"
    "  issue_date TEXT NOT NULL, sale_date TEXT NOT NULL,\n"
    "  currency TEXT NOT NULL,\n"
    "  state TEXT NOT NULL CHECK (state IN ('pending','issued','cancelled','failed')),\n"
    "  order_id INTEGER REFERENCES orders(id),\n"
    "  order_number TEXT NOT NULL,\n"
    "  corrects_id INTEGER REFERENCES documents(id),\n"
    "  advance_id INTEGER REFERENCES documents(id),\n"
    "  backend TEXT NOT NULL, remote_id TEXT NOT NULL,\n"
    "  buyer_name TEXT NOT NULL, buyer_nip TEXT NOT NULL,\n"
    "  total_net INTEGER NOT NULL, total_tax INTEGER NOT NULL, total_gross INTEGER NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  state_changed INTEGER NOT NULL\n"
    ");\n"
    "CREATE UNIQUE INDEX documents_number ON documents(kind, number) WHERE number <> '';\n"
    "CREATE INDEX documents_order ON documents(order_id);\n"
    "CREATE TABLE document_lines (\n"
    "  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, sku TEXT NOT NULL,\n"
    "  qty INTEGER NOT NULL, unit TEXT NOT NULL, unit_gross INTEGER NOT NULL,\n"
    "  vat TEXT NOT NULL,\n"
    "  net INTEGER NOT NULL, tax INTEGER NOT NULL, gross INTEGER NOT NULL,\n"
    "  PRIMARY KEY (document_id, pos)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE doc_vat_sums (\n"
    "  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  vat TEXT NOT NULL,\n"
    "  net INTEGER NOT NULL, tax INTEGER NOT NULL, gross INTEGER NOT NULL,\n"
    "  PRIMARY KEY (document_id, pos),\n"
    "  UNIQUE (document_id, vat)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE number_counters (\n"
    "  kind TEXT NOT NULL,   -- document kind name\n"
    "  period TEXT NOT NULL, -- '2026', '2026-11' or 'all'\n"
    "  value INTEGER NOT NULL, -- last number taken\n"
    "  PRIMARY KEY (kind, period)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE jobs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  order_id INTEGER REFERENCES orders(id),\n"
    "  kind TEXT NOT NULL CHECK (kind <> ''),\n"
    "  state TEXT NOT NULL CHECK (state IN\n"
    "    ('pending','sending','unknown','done','failed','cancelled')),\n"
    "  attempt INTEGER NOT NULL,\n"
    "  idem_key TEXT NOT NULL UNIQUE CHECK (idem_key <> ''),\n"
    "  request TEXT,\n"
    "  result TEXT,\n"
    "  created INTEGER NOT NULL, -- unix milliseconds\n"
    "  updated INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX jobs_state ON jobs(state, created, id);\n"
    "CREATE INDEX jobs_order ON jobs(order_id);\n"
    "CREATE TABLE audit_log (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL, -- unix seconds\n"
    "  actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,\n"
    "  detail TEXT NOT NULL\n"
    ");\n",
    /* 1 -> 2: claims (owner + lease, resource exclusion), the job's document,
     * and the attempts history (docs/journal.md). Old receipt jobs get their
     * printer as resource and their document from the request JSON. */
    "ALTER TABLE jobs ADD COLUMN resource TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE jobs ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE jobs ADD COLUMN doc_id INTEGER REFERENCES documents(id);\n"
    "UPDATE jobs SET doc_id = json_extract(request, '$.doc_id')\n"
    "  WHERE json_valid(request) AND json_extract(request, '$.doc_id') > 0\n"
    "    AND EXISTS (SELECT 1 FROM documents d WHERE d.id = json_extract(jobs.request, "
    "'$.doc_id'));\n"
    "UPDATE jobs SET resource = 'printer:' || json_extract(request, '$.printer')\n"
    "  WHERE kind = 'receipt' AND json_valid(request)\n"
    "    AND json_type(request, '$.printer') = 'text';\n"
    "CREATE INDEX jobs_resource ON jobs(resource, state) WHERE resource <> '';\n"
    "CREATE INDEX jobs_doc ON jobs(doc_id) WHERE doc_id IS NOT NULL;\n"
    "CREATE TABLE job_attempts (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  job_id INTEGER NOT NULL REFERENCES jobs(id),\n"
    "  at INTEGER NOT NULL, -- unix milliseconds\n"
    "  owner TEXT NOT NULL,\n"
    "  from_state TEXT NOT NULL, to_state TEXT NOT NULL,\n"
    "  note TEXT NOT NULL,\n"
    "  evidence TEXT\n"
    ");\n"
    "CREATE INDEX job_attempts_job ON job_attempts(job_id, id);\n",
    /* 2 -> 3: returns by line (docs/orders.md) and held orders (docs/store.md) */
    "ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0; -- thousandths\n"
    "ALTER TABLE orders ADD COLUMN delivery_refunded INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE TABLE order_holds (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  order_id INTEGER NOT NULL REFERENCES orders(id),\n"
    "  document_id INTEGER REFERENCES documents(id),\n"
    "  document_number TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  old_content TEXT NOT NULL, new_content TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL, -- unix seconds\n"
    "  released INTEGER NOT NULL DEFAULT 0, -- unix seconds; 0 while held\n"
    "  released_by TEXT NOT NULL DEFAULT '',\n"
    "  action TEXT NOT NULL DEFAULT '' CHECK (action IN ('', 'accept', 'correct')),\n"
    "  release_reason TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE UNIQUE INDEX order_holds_open ON order_holds(order_id) WHERE released = 0;\n",
    /* 3 -> 4: what an invoicing service (SmartBill, fakturownia) holds of
     * our document: its id, number, status and details (docs/store.md) */
    "CREATE TABLE doc_remote(doc_id INTEGER PRIMARY KEY REFERENCES documents(id), service TEXT "
    "NOT NULL,\n"
    "  remote_id TEXT NOT NULL, remote_number TEXT NOT NULL DEFAULT '', status TEXT NOT NULL "
    "DEFAULT '',\n"
    "  detail TEXT NOT NULL DEFAULT '{}', updated_at INTEGER NOT NULL);\n",
    /* 4 -> 5 (h-web; planned as index 6, renumbered at merge): the documents
     * list (docs/store.md, "Documents query"): paid amount and station, the
     * indexes its filters use, and a trigram FTS5 index over number, buyer,
     * NIP and order number kept in step by triggers */
    "ALTER TABLE documents ADD COLUMN amount_paid INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE documents ADD COLUMN station TEXT NOT NULL DEFAULT '';\n"
    "CREATE INDEX documents_kind ON documents(kind);\n"
    "CREATE INDEX documents_state ON documents(state);\n"
    "CREATE INDEX documents_issue_date ON documents(issue_date);\n"
    "CREATE INDEX documents_station ON documents(station) WHERE station <> '';\n"
    "CREATE VIRTUAL TABLE documents_fts USING fts5(number, buyer_name, buyer_nip, "
    "order_number,\n"
    "  content='documents', content_rowid='id', tokenize='trigram');\n"
    "INSERT INTO documents_fts(documents_fts) VALUES('rebuild');\n"
    "CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN\n"
    "  INSERT INTO documents_fts(rowid, number, buyer_name, buyer_nip, order_number)\n"
    "  VALUES (new.id, new.number, new.buyer_name, new.buyer_nip, new.order_number);\n"
    "END;\n"
    "CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN\n"
    "  INSERT INTO documents_fts(documents_fts, rowid, number, buyer_name, buyer_nip, "
    "order_number)\n"
    "  VALUES ('delete', old.id, old.number, old.buyer_name, old.buyer_nip, old.order_number);\n"
    "END;\n"
    "CREATE TRIGGER documents_fts_au AFTER UPDATE OF number, buyer_name, buyer_nip, "
    "order_number\n"
    "  ON documents BEGIN\n"
    "  INSERT INTO documents_fts(documents_fts, rowid, number, buyer_name, buyer_nip, "
    "order_number)\n"
    "  VALUES ('delete', old.id, old.number, old.buyer_name, old.buyer_nip, old.order_number);\n"
    "  INSERT INTO documents_fts(rowid, number, buyer_name, buyer_nip, order_number)\n"
    "  VALUES (new.id, new.number, new.buyer_name, new.buyer_nip, new.order_number);\n"
    "END;\n",
    /* 5 -> 6 (h-station; planned as index 7, renumbered at merge): packing
     * sessions of the scan-to-verify station (docs/station.md), so a held
     * order resumes on any station sharing the store */
    "CREATE TABLE pack_sessions (\n"
    "  order_id INTEGER PRIMARY KEY REFERENCES orders(id),\n"
    "  station TEXT NOT NULL,\n"
    "  state TEXT NOT NULL CHECK (state IN ('packing', 'held', 'packed')),\n"
    "  scanned TEXT NOT NULL DEFAULT '{}', -- JSON {\"SKU\": pieces}\n"
    "  updated INTEGER NOT NULL -- unix seconds\n"
    ");\n",
};

#define SCHEMA_VERSION ((int)ARRAY_SIZE(migrations))

/* Column lists: one row per column, the SQL name, how it is stored and the
 * struct field. The INSERT/UPDATE/SELECT texts, the binders, the readers and
 * the change detection are all generated from these, so they cannot drift. */
#define ORDER_COLUMNS(X)                                                                           \
	X(source, STR, source)                                                                     \
	X(ext_id, STR, ext_id)                                                                     \
	X(number, STR, number)                                                                     \
	X(created, INT, created)                                                                   \
	X(updated, INT, updated)                                                                   \
	X(status, STR, status)                                                                     \
	X(currency, STR, currency)                                                                 \
	X(total, INT, total)                                                                       \
	X(buyer_name, STR, buyer.name)                                                             \
	X(buyer_company, STR, buyer.company)                                                       \
	X(buyer_nip, STR, buyer.nip)                                                               \
	X(buyer_email, STR, buyer.email)                                                           \
	X(buyer_phone, STR, buyer.phone)                                                           \
	X(buyer_country, STR, buyer.country)                                                       \
	X(billing_street, STR, buyer.billing.street)                                               \
	X(billing_postcode, STR, buyer.billing.postcode)                                           \
	X(billing_city, STR, buyer.billing.city)                                                   \
	X(billing_country, STR, buyer.billing.country)                                             \
	X(delivery_method, STR, delivery.method)                                                   \
	X(delivery_pickup_point, STR, delivery.pickup_point)                                       \
	X(delivery_street, STR, delivery.address.street)                                           \
	X(delivery_postcode, STR, delivery.address.postcode)                                       \
	X(delivery_city, STR, delivery.address.city)                                               \
	X(delivery_country, STR, delivery.address.country)                                         \
	X(delivery_recipient, STR, delivery.recipient)                                             \
	X(delivery_cost, INT, delivery.cost)                                                       \
	X(delivery_cost_vat, VAT, delivery.cost_vat)                                               \
	X(payment_type, STR, payment.type)                                                         \
	X(payment_status, STR, payment.status)                                                     \
	X(payment_paid, INT, payment.paid)                                                         \
	X(notes, STR, notes)                                                                       \
	X(allegro_checkout_id, STR, allegro_checkout_id)                                           \
	X(delivery_refunded, BOOL, delivery.refunded)

#define ORDER_LINE_COLUMNS(X)                                                                      \
	X(sku, STR, sku)                                                                           \
	X(ean, STR, ean)                                                                           \
	X(name, STR, name)                                                                         \
	X(qty, INT, qty)                                                                           \
	X(unit, STR, unit)                                                                         \
	X(unit_price, INT, unit_price)                                                             \
	X(vat, VAT, vat)                                                                           \
	X(returned, INT, returned)

#define DOC_COLUMNS(X)                                                                             \
	X(kind, KIND, kind)                                                                        \
	X(number, STR, number)                                                                     \
	X(issue_date, STR, issue_date)                                                             \
	X(sale_date, STR, sale_date)                                                               \
	X(currency, STR, currency)                                                                 \
	X(state, DSTATE, state)                                                                    \
	X(order_id, REF, order_id)                                                                 \
	X(order_number, STR, order_number)                                                         \
	X(corrects_id, REF, corrects_id)                                                           \
	X(advance_id, REF, advance_id)                                                             \
	X(backend, STR, backend)                                                                   \
	X(remote_id, STR, remote_id)                                                               \
	X(buyer_name, STR, buyer_name)                                                             \
	X(buyer_nip, STR, buyer_nip)                                                               \
	X(total_net, INT, total_net)                                                               \
	X(total_tax, INT, total_tax)                                                               \
	X(total_gross, INT, total_gross)                                                           \
	X(created, INT, created)                                                                   \
	X(amount_paid, INT, amount_paid)                                                           \
	X(station, STR, station)

#define DOC_LINE_COLUMNS(X)                                                                        \
	X(name, STR, name)                                                                         \
	X(sku, STR, sku)                                                                           \
	X(qty, INT, qty)                                                                           \
	X(unit, STR, unit)                                                                         \
	X(unit_gross, INT, unit_gross)                                                             \
	X(vat, VAT, vat)                                                                           \
	X(net, INT, net)                                                                           \
	X(tax, INT, tax)                                                                           \
	X(gross, INT, gross)

#define DOC_SUM_COLUMNS(X)                                                                         \
	X(vat, VAT, vat)                                                                           \
	X(net, INT, net)                                                                           \
	X(tax, INT, tax)                                                                           \
	X(gross, INT, gross)

#define COL_NAME(c, t, f)  #c ","
#define COL_PARAM(c, t, f) "?,"
#define COL_SET(c, t, f)   #c "=?,"

#define JOB_SELECT                                                                                 \
	"SELECT id, order_id, kind, state, attempt, idem_key, request, result, created, updated, " \
	"resource, owner, lease_until, not_before, coalesce(doc_id, 0) FROM jobs "

/* Prepared statements, prepared on first use and kept for the connection. */
enum st_id {
	ST_BEGIN_WRITE,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_VERSION,
	ST_ORDER_ID,
	ST_ORDER_INSERT,
	ST_ORDER_UPDATE,
	ST_ORDER_SELECT,
	ST_ORDER_LINES_DELETE,
	ST_ORDER_LINE_INSERT,
	ST_ORDER_LINES_SELECT,
	ST_ORDER_TAGS_DELETE,
	ST_ORDER_TAG_INSERT,
	ST_ORDER_TAGS_SELECT,
	ST_ORDER_BY_NUMBER,
	ST_ORDER_BY_EXT_ID,
	ST_ORDER_LIST,
	ST_EVENT_INSERT,
	ST_EVENTS_SELECT,
	ST_COUNTER_NEXT,
	ST_DOC_INSERT,
	ST_DOC_LINE_INSERT,
	ST_DOC_SUM_INSERT,
	ST_DOC_SELECT,
	ST_DOC_LINES_SELECT,
	ST_DOC_SUMS_SELECT,
	ST_DOC_LIST,
	ST_DOC_STATE_GET,
	ST_DOC_STATE_SET,
	ST_JOB_INSERT,
	ST_JOB_BY_KEY,
	ST_JOB_BY_ID,
	ST_JOB_BY_DOC,
	ST_JOB_UPDATE,
	ST_JOB_LIST,
	ST_JOB_CLAIM_CANDIDATES,
	ST_JOB_RESOURCE_BUSY,
	ST_JOB_CLAIM_SET,
	ST_JOB_STEP,
	ST_JOB_RENEW,
	ST_JOB_SET_DOC,
	ST_JOB_ATTEMPT_INSERT,
	ST_JOB_ATTEMPTS_SELECT,
	ST_JOB_REPAIR,
	ST_AUDIT_INSERT,
	ST_HOLD_DOC,
	ST_HOLD_INSERT,
	ST_HOLD_UPDATE,
	ST_HOLD_OPEN,
	ST_HOLD_LIST,
	ST_HOLD_SELECT,
	ST_HOLD_RELEASE,
	ST_REMOTE_PUT,
	ST_REMOTE_GET,
	ST_PACK_PUT,
	ST_PACK_GET,
	ST_COUNT
};

static const char *const st_sql[ST_COUNT] = {
    [ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN DEFERRED",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_USER_VERSION] = "PRAGMA user_version",
    [ST_ORDER_ID] = "SELECT id FROM orders WHERE source = ?1 AND ext_id = ?2",
    [ST_ORDER_INSERT] = "INSERT INTO orders(" ORDER_COLUMNS(
	COL_NAME) "first_stored, last_stored) VALUES(" ORDER_COLUMNS(COL_PARAM) "?, ?)",
    [ST_ORDER_UPDATE] = "UPDATE orders SET " ORDER_COLUMNS(COL_SET) "last_stored = ? WHERE id = ?",
    [ST_ORDER_SELECT] = "SELECT " ORDER_COLUMNS(COL_NAME) "id FROM orders WHERE id = ?1",
    [ST_ORDER_LINES_DELETE] = "DELETE FROM order_lines WHERE order_id = ?1",
    [ST_ORDER_LINE_INSERT] = "INSERT INTO order_lines(" ORDER_LINE_COLUMNS(
	COL_NAME) "order_id, pos) VALUES(" ORDER_LINE_COLUMNS(COL_PARAM) "?, ?)",
    [ST_ORDER_LINES_SELECT] = "SELECT " ORDER_LINE_COLUMNS(
	COL_NAME) "pos FROM order_lines WHERE order_id = ?1 ORDER BY pos",
    [ST_ORDER_TAGS_DELETE] = "DELETE FROM order_tags WHERE order_id = ?1",
    [ST_ORDER_TAG_INSERT] = "INSERT INTO order_tags(order_id, pos, tag) VALUES(?1, ?2, ?3)",
    [ST_ORDER_TAGS_SELECT] = "SELECT tag FROM order_tags WHERE order_id = ?1 ORDER BY pos",
    [ST_ORDER_BY_NUMBER] = "SELECT id FROM orders WHERE number = ?1 ORDER BY id LIMIT 2",
    [ST_ORDER_BY_EXT_ID] = "SELECT id FROM orders WHERE ext_id = ?1 ORDER BY id LIMIT 2",
    [ST_ORDER_LIST] = "SELECT id FROM orders WHERE (?1 IS NULL OR source = ?1) "
		      "AND (?2 IS NULL OR status = ?2) AND (?3 = 0 OR created >= ?3) "
		      "ORDER BY created, id LIMIT ?4",
    [ST_EVENT_INSERT] = "INSERT INTO status_events(order_id, from_status, to_status, at) "
			"VALUES(?1, ?2, ?3, ?4)",
    [ST_EVENTS_SELECT] = "SELECT from_status, to_status, at FROM status_events "
			 "WHERE order_id = ?1 ORDER BY id",
    [ST_COUNTER_NEXT] = "INSERT INTO number_counters(kind, period, value) VALUES(?1, ?2, 1) "
			"ON CONFLICT(kind, period) DO UPDATE SET value = value + 1 "
			"RETURNING value",
    [ST_DOC_INSERT] = "INSERT INTO documents(" DOC_COLUMNS(
	COL_NAME) "state_changed) VALUES(" DOC_COLUMNS(COL_PARAM) "?)",
    [ST_DOC_LINE_INSERT] = "INSERT INTO document_lines(" DOC_LINE_COLUMNS(
	COL_NAME) "document_id, pos) VALUES(" DOC_LINE_COLUMNS(COL_PARAM) "?, ?)",
    [ST_DOC_SUM_INSERT] = "INSERT INTO doc_vat_sums(" DOC_SUM_COLUMNS(
	COL_NAME) "document_id, pos) VALUES(" DOC_SUM_COLUMNS(COL_PARAM) "?, ?)",
    [ST_DOC_SELECT] = "SELECT " DOC_COLUMNS(COL_NAME) "id FROM documents WHERE id = ?1",
    [ST_DOC_LINES_SELECT] = "SELECT " DOC_LINE_COLUMNS(
	COL_NAME) "pos FROM document_lines WHERE document_id = ?1 ORDER BY pos",
    [ST_DOC_SUMS_SELECT] = "SELECT " DOC_SUM_COLUMNS(
	COL_NAME) "pos FROM doc_vat_sums WHERE document_id = ?1 ORDER BY pos",
    [ST_DOC_LIST] = "SELECT id FROM documents WHERE (?1 IS NULL OR kind = ?1) "
		    "AND (?2 IS NULL OR state = ?2) AND (?3 = 0 OR order_id = ?3) "
		    "ORDER BY id LIMIT ?4",
    [ST_DOC_STATE_GET] = "SELECT state FROM documents WHERE id = ?1",
    [ST_DOC_STATE_SET] = "UPDATE documents SET state = ?1, remote_id = coalesce(?2, remote_id), "
			 "state_changed = ?4 WHERE id = ?3",
    [ST_JOB_INSERT] = "INSERT INTO jobs(order_id, kind, state, attempt, idem_key, request, "
		      "result, created, updated, resource, doc_id) "
		      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
    /* Reclaimable (claimed with a lapsed lease, or sending/unknown) first,
     * then pending; oldest first within each. ?1 now, ?2 id or 0. The owner
     * test (c->gone) and the resource test run on each candidate in C. */
    [ST_JOB_CLAIM_CANDIDATES] =
	JOB_SELECT "WHERE state IN ('pending','sending','unknown') AND (not_before <= ?1 OR ?3) "
		   "AND (?2 = 0 OR id = ?2) AND (?4 = 0 OR state <> 'pending') "
		   "AND (?5 IS NULL OR resource = ?5) "
		   "ORDER BY (owner <> '' OR state <> 'pending') DESC, created, id LIMIT 256",
    /* The other jobs of a resource that stop a claim: claimed ones (their
     * owners are tested in C) and unsettled ones (sending/unknown). */
    [ST_JOB_RESOURCE_BUSY] = "SELECT id, state, owner, lease_until, not_before FROM jobs "
			     "WHERE resource = ?1 AND id <> ?2 AND "
			     "(owner <> '' OR state IN ('sending','unknown'))",
    [ST_JOB_CLAIM_SET] = "UPDATE jobs SET owner = ?1, lease_until = ?2, updated = ?3 WHERE id = ?4",
    [ST_JOB_STEP] = "UPDATE jobs SET state = ?1, attempt = attempt + ?2, "
		    "result = coalesce(?3, result), updated = ?4, "
		    "owner = CASE WHEN ?5 THEN '' ELSE owner END, "
		    "lease_until = CASE WHEN ?5 THEN 0 WHEN ?6 > 0 THEN ?6 ELSE lease_until END, "
		    "not_before = CASE WHEN ?5 THEN ?7 ELSE not_before END "
		    "WHERE id = ?8 AND state = ?9 AND owner = ?10",
    [ST_JOB_RENEW] = "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND owner = ?3",
    [ST_JOB_SET_DOC] = "UPDATE jobs SET doc_id = ?1, updated = ?2 WHERE id = ?3",
    [ST_JOB_ATTEMPT_INSERT] = "INSERT INTO job_attempts(job_id, at, owner, from_state, "
			      "to_state, note, evidence) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_JOB_ATTEMPTS_SELECT] = "SELECT at, owner, from_state, to_state, note, evidence "
			       "FROM job_attempts WHERE job_id = ?1 ORDER BY id",
    [ST_JOB_REPAIR] = "UPDATE documents SET state = 'issued', state_changed = ?1, "
		      "remote_id = coalesce((SELECT json_extract(j.result, '$.key') FROM jobs j "
		      "WHERE j.doc_id = documents.id AND j.state = 'done' AND json_valid(j.result) "
		      "AND json_type(j.result, '$.key') = 'text' LIMIT 1), remote_id) "
		      "WHERE state = 'pending' AND id IN "
		      "(SELECT doc_id FROM jobs WHERE state = 'done' AND doc_id IS NOT NULL)",
    [ST_JOB_BY_KEY] = JOB_SELECT "WHERE idem_key = ?1",
    [ST_JOB_BY_ID] = JOB_SELECT "WHERE id = ?1",
    [ST_JOB_BY_DOC] = JOB_SELECT "WHERE doc_id = ?1 AND kind = ?2 ORDER BY id DESC LIMIT 1",
    [ST_JOB_UPDATE] = "UPDATE jobs SET state = ?1, attempt = attempt + ?2, "
		      "result = coalesce(?3, result), updated = ?4 WHERE id = ?5",
    [ST_JOB_LIST] = JOB_SELECT "WHERE state = ?1 ORDER BY created, id",
    [ST_AUDIT_INSERT] = "INSERT INTO audit_log(at, actor, action, object, detail) "
			"VALUES(?1, ?2, ?3, ?4, ?5)",
    /* the document a change of content would contradict: the first live one
     * that sold the goods (a proforma sells nothing, corrections follow) */
    [ST_HOLD_DOC] = "SELECT id, number FROM documents WHERE order_id = ?1 "
		    "AND state IN ('pending','issued') "
		    "AND kind NOT IN ('proforma','correction','refund') ORDER BY id LIMIT 1",
    [ST_HOLD_INSERT] = "INSERT INTO order_holds(order_id, document_id, document_number, reason, "
		       "old_content, new_content, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_HOLD_UPDATE] = "UPDATE order_holds SET reason = ?2, new_content = ?3 WHERE id = ?1",
    [ST_HOLD_OPEN] = "SELECT id FROM order_holds WHERE order_id = ?1 AND released = 0",
    [ST_HOLD_LIST] = "SELECT id FROM order_holds WHERE (?1 = 0 OR released = 0) ORDER BY id",
    [ST_HOLD_SELECT] = "SELECT h.id, h.order_id, o.number, coalesce(h.document_id, 0), "
		       "h.document_number, h.reason, h.old_content, h.new_content, h.created, "
		       "h.released, h.released_by, h.action, h.release_reason "
		       "FROM order_holds h JOIN orders o ON o.id = h.order_id WHERE h.id = ?1",
    [ST_HOLD_RELEASE] = "UPDATE order_holds SET released = ?2, released_by = ?3, action = ?4, "
			"release_reason = ?5 WHERE id = ?1",
    [ST_REMOTE_PUT] = "INSERT INTO doc_remote(doc_id, service, remote_id, remote_number, status, "
		      "detail, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		      "ON CONFLICT(doc_id) DO UPDATE SET service = excluded.service, "
		      "remote_id = excluded.remote_id, remote_number = excluded.remote_number, "
		      "status = excluded.status, detail = excluded.detail, "
		      "updated_at = excluded.updated_at",
    [ST_REMOTE_GET] = "SELECT doc_id, service, remote_id, remote_number, status, detail, "
		      "updated_at FROM doc_remote WHERE doc_id = ?1",
    [ST_PACK_PUT] = "INSERT INTO pack_sessions(order_id, station, state, scanned, updated) "
		    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(order_id) DO UPDATE SET "
		    "station = excluded.station, state = excluded.state, "
		    "scanned = excluded.scanned, updated = excluded.updated",
    [ST_PACK_GET] = "SELECT order_id, station, state, scanned, updated FROM pack_sessions "
		    "WHERE order_id = ?1",
};

struct sqlite_store {
	struct store base; /* must be first: struct store * is cast to this */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
};

static struct sqlite_store *to_sq(struct store *s)
{
	return (struct sqlite_store *)s;
}

/* ---- errors ------------------------------------------------------------ */

/* Map a SQLite result code to a PL_E code and log it. Constraint failures are
 * input problems (duplicate number, bad value); BUSY means the other writer
 * held the lock past every retry; anything else (I/O error, disk full,
 * corruption, read-only file) means the store can no longer be trusted: the
 * caller must stop (house style §15). */
static int sq_fail(struct sqlite_store *s, int rc, const char *what)
{
	const char *msg = sqlite3_errmsg(s->db);

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		pl_warn("store '%s': %s refused: %s", s->path, what, msg);
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -PL_EEXIST;
		return -PL_EINVAL;
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		pl_err("store '%s': %s: bad value: %s", s->path, what, msg);
		return -PL_EINVAL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		pl_warn("store '%s': %s: database is locked by another writer: %s", s->path, what,
			msg);
		return -PL_EBUSY;
	case SQLITE_NOMEM:
		pl_err("store '%s': %s: out of memory", s->path, what);
		return -PL_ENOMEM;
	default:
		pl_err("store '%s': %s failed: %s (sqlite code %d)", s->path, what, msg, rc);
		return -PL_ESTORE;
	}
}

/* A value read back from the file does not fit the struct or names an
 * unknown enum: someone edited the file or a newer packline wrote it. */
static int sq_bad_row(struct sqlite_store *s, const char *what, int64_t id)
{
	pl_err("store '%s': %s %lld: stored value does not fit (file edited or written by a "
	       "newer packline?)",
	       s->path, what, (long long)id);
	return -PL_ESTORE;
}

/* ---- statements -------------------------------------------------------- */

static int st_get(struct sqlite_store *s, enum st_id id, sqlite3_stmt **out)
{
	*out = NULL; /* set on every path, so gcc -O2 sees callers' statements initialised */
	if (!s->st[id]) {
		int rc = sqlite3_prepare_v3(s->db, st_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->st[id], NULL);
		if (rc != SQLITE_OK) {
			s->st[id] = NULL;
			return sq_fail(s, rc, "prepare statement");
		}
	}
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	*out = s->st[id];
	return 0;
}

/* Step a statement that returns no rows (or whose rows are ignored). */
static int st_run(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int ret = 0;

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = sq_fail(s, rc, what);
	sqlite3_reset(st);
	return ret;
}

/* Sequential binder: each bd_* binds the next parameter; the first error
 * sticks in rc. */
struct bd {
	sqlite3_stmt *st;
	int i;
	int rc;
};

static void bd_str(struct bd *b, const char *v, size_t size)
{
	int i = ++b->i;

	if (b->rc)
		return;
	if (!v) {
		b->rc = SQLITE_MISMATCH;
		return;
	}
	/* strnlen: a field that lost its NUL is stored cut at its size, never
	 * read past. */
	b->rc = sqlite3_bind_text(b->st, i, v, (int)strnlen(v, size), SQLITE_STATIC);
}

static void bd_text(struct bd *b, const char *v) /* NULL binds NULL */
{
	int i = ++b->i;

	if (!b->rc)
		b->rc = v ? sqlite3_bind_text(b->st, i, v, -1, SQLITE_STATIC)
			  : sqlite3_bind_null(b->st, i);
}

static void bd_int(struct bd *b, int64_t v)
{
	int i = ++b->i;

	if (!b->rc)
		b->rc = sqlite3_bind_int64(b->st, i, v);
}

static void bd_ref(struct bd *b, int64_t v) /* row id; 0 = none = NULL */
{
	int i = ++b->i;

	if (!b->rc)
		b->rc = v ? sqlite3_bind_int64(b->st, i, v) : sqlite3_bind_null(b->st, i);
}

static const char *vat_name(enum vat_rate v)
{
	return (unsigned)v < VAT_RATE_COUNT ? vat_rate_name(v) : NULL;
}

static const char *kind_name(enum doc_kind k)
{
	return (unsigned)k < DOC_KIND_COUNT ? doc_kind_name(k) : NULL;
}

static const char *dstate_name(enum doc_state st)
{
	return (unsigned)st < DOC_STATE_COUNT ? doc_state_name(st) : NULL;
}

#define BIND_STR(b, v)    bd_str(b, v, sizeof(v))
#define BIND_INT(b, v)    bd_int(b, v)
#define BIND_REF(b, v)    bd_ref(b, v)
#define BIND_VAT(b, v)    bd_str(b, vat_name(v), 8)
#define BIND_BOOL(b, v)   bd_int(b, (v) ? 1 : 0)
#define BIND_KIND(b, v)   bd_str(b, kind_name(v), 32)
#define BIND_DSTATE(b, v) bd_str(b, dstate_name(v), 32)
#define BIND_COL(c, t, f) BIND_##t(&b, p->f);

/* Sequential reader: each rd_* reads the next column; a value that does not
 * fit sets bad. */
struct rd {
	sqlite3_stmt *st;
	int i;
	int bad;
};

static void rd_str(struct rd *r, char *dst, size_t size)
{
	int col = r->i++;
	const unsigned char *t = sqlite3_column_text(r->st, col);
	size_t n = (size_t)sqlite3_column_bytes(r->st, col);

	dst[0] = '\0';
	if (!t) {
		if (sqlite3_column_type(r->st, col) != SQLITE_NULL)
			r->bad = 1; /* out of memory converting the value */
		return;
	}
	if (n >= size) {
		r->bad = 1;
		return;
	}
	memcpy(dst, t, n);
	dst[n] = '\0';
}

/* Owned copy of a nullable text column. */
static char *rd_dup(struct rd *r)
{
	int col = r->i++;
	const unsigned char *t = sqlite3_column_text(r->st, col);
	char *p;

	if (!t) {
		if (sqlite3_column_type(r->st, col) != SQLITE_NULL)
			r->bad = 1;
		return NULL;
	}
	p = strdup((const char *)t);
	if (!p)
		r->bad = 1;
	return p;
}

static int64_t rd_int(struct rd *r)
{
	return sqlite3_column_int64(r->st, r->i++);
}

static void rd_vat(struct rd *r, enum vat_rate *v)
{
	char name[8];

	rd_str(r, name, sizeof(name));
	if (!r->bad && vat_rate_parse(name, v) != 0)
		r->bad = 1;
}

static void rd_kind(struct rd *r, enum doc_kind *v)
{
	char name[32];

	rd_str(r, name, sizeof(name));
	if (!r->bad && doc_kind_parse(name, v) != 0)
		r->bad = 1;
}

static void rd_dstate(struct rd *r, enum doc_state *v)
{
	char name[32];

	rd_str(r, name, sizeof(name));
	if (!r->bad && doc_state_parse(name, v) != 0)
		r->bad = 1;
}

#define READ_STR(r, v)    rd_str(r, v, sizeof(v))
#define READ_INT(r, v)    (v) = rd_int(r)
#define READ_REF(r, v)    (v) = rd_int(r)
#define READ_VAT(r, v)    rd_vat(r, &(v))
#define READ_BOOL(r, v)   (v) = rd_int(r) != 0
#define READ_KIND(r, v)   rd_kind(r, &(v))
#define READ_DSTATE(r, v) rd_dstate(r, &(v))
#define READ_COL(c, t, f) READ_##t(&r, p->f);

/* Field equality for change detection: strings compare up to their NUL
 * (bytes after it are noise), within the field size. */
#define SAME_STR(x, y)    (strncmp((x), (y), sizeof(x)) == 0)
#define SAME_INT(x, y)    ((x) == (y))
#define SAME_VAT(x, y)    ((x) == (y))
#define SAME_BOOL(x, y)   ((x) == (y))
#define SAME_COL(c, t, f) &&SAME_##t(a->f, b->f)

/* ---- transactions ------------------------------------------------------ */

/* BEGIN IMMEDIATE takes the write lock now. The busy handler waits up to
 * STORE_BUSY_MS for it; past that we retry a bounded number of times (a long
 * checkpoint or a slow writer on a loaded station), then give up with
 * -PL_EBUSY rather than hang forever. */
static int tx_begin(struct sqlite_store *s)
{
	sqlite3_stmt *st;
	int rc = st_get(s, ST_BEGIN_WRITE, &st);

	if (rc)
		return rc;
	for (int i = 0; i < STORE_BUSY_TRIES; i++) {
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		pl_warn("store '%s': waiting for the write lock (try %d of %d)", s->path, i + 1,
			STORE_BUSY_TRIES);
	}
	return sq_fail(s, rc, "begin transaction");
}

static int tx_begin_read(struct sqlite_store *s)
{
	sqlite3_stmt *st;
	int rc = st_get(s, ST_BEGIN_READ, &st);

	return rc ? rc : st_run(s, st, "begin read transaction");
}

static int tx_commit(struct sqlite_store *s)
{
	sqlite3_stmt *st;
	int rc = st_get(s, ST_COMMIT, &st);

	if (!rc)
		rc = st_run(s, st, "commit");
	return rc;
}

/* Roll back whatever is open; after a failed COMMIT SQLite may already have
 * rolled back, hence the autocommit test. */
static void tx_rollback(struct sqlite_store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(s->db))
		return;
	if (st_get(s, ST_ROLLBACK, &st) == 0)
		(void)st_run(s, st, "rollback");
}

/* End a write transaction: commit when rc is 0, else roll back. */
static int tx_end(struct sqlite_store *s, int rc)
{
	if (rc == 0)
		rc = tx_commit(s);
	if (rc)
		tx_rollback(s);
	return rc;
}

/* ---- open, close, migrations ------------------------------------------- */

static int exec_sql(struct sqlite_store *s, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	sqlite3_free(msg); /* sq_fail reads sqlite3_errmsg, which still holds it */
	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, what);
}

static int read_user_version(struct sqlite_store *s, int *out)
{
	sqlite3_stmt *st;
	int rc = st_get(s, ST_USER_VERSION, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = sq_fail(s, rc, "read schema version");
		sqlite3_reset(st);
		return rc;
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* Apply missing migrations, each in its own transaction. The version is read
 * under the write lock, so two agents starting together migrate once. */
static int migrate(struct sqlite_store *s)
{
	for (;;) {
		int version = 0, rc;
		char sql[64];

		rc = tx_begin(s);
		if (rc)
			return rc;
		rc = read_user_version(s, &version);
		if (rc)
			return tx_end(s, rc);
		if (version > SCHEMA_VERSION) {
			pl_err("store '%s' has schema version %d but this packline knows only up "
			       "to %d: refusing to open it (upgrade packline, or restore a backup "
			       "made by this version)",
			       s->path, version, SCHEMA_VERSION);
			return tx_end(s, -PL_ENOTSUP);
		}
		if (version == SCHEMA_VERSION)
			return tx_end(s, 0); /* nothing written: the commit is free */
		if (version < 0) {
			pl_err("store '%s' has a negative schema version %d", s->path, version);
			return tx_end(s, -PL_ESTORE);
		}
		rc = exec_sql(s, migrations[version], "schema migration");
		if (!rc) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
			rc = exec_sql(s, sql, "set schema version");
		}
		rc = tx_end(s, rc);
		if (rc)
			return rc;
		pl_info("store '%s': schema migrated to version %d", s->path, version + 1);
	}
}

/* PRAGMA journal_mode returns the mode in force as a row. Switching a fresh
 * file to WAL needs a brief exclusive lock, which another agent opening the
 * same file may hold: retry on BUSY. */
static int set_wal(struct sqlite_store *s)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	int ret = 0;

	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "set journal mode");
	for (int i = 0; i < STORE_BUSY_TRIES; i++) {
		rc = sqlite3_step(st);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		sqlite3_reset(st);
	}
	if (rc != SQLITE_ROW) {
		ret = sq_fail(s, rc, "set journal mode");
	} else {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		if (!mode || strcmp(mode, "wal") != 0) {
			/* A memory or read-only database cannot keep the durability
			 * contract; refuse rather than run without it. */
			pl_err("store '%s': cannot use write-ahead logging (journal mode is "
			       "'%s')",
			       s->path, mode ? mode : "?");
			ret = -PL_ESTORE;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

static void sq_close(struct store *base)
{
	struct sqlite_store *s = to_sq(base);

	if (!s)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(s->st); i++)
		sqlite3_finalize(s->st[i]);
	if (s->db) {
		int rc = sqlite3_close(s->db);
		if (rc != SQLITE_OK)
			pl_err("store '%s': close failed: %s", s->path, sqlite3_errstr(rc));
	}
	free(s->path);
	free(s);
}

static int sq_open(struct store **out, const char *path)
{
	struct sqlite_store *s;
	int rc;

	*out = NULL;
	if (!path || !*path) {
		pl_err("cannot open store: empty path");
		return -PL_ECONFIG;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -PL_ENOMEM;
	s->base.ops = &store_sqlite_ops;
	s->path = strdup(path);
	if (!s->path) {
		rc = -PL_ENOMEM;
		goto err_close;
	}
	rc = sqlite3_open_v2(
	    path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (!s->db) {
			rc = -PL_ENOMEM;
			goto err_close;
		}
		pl_err("cannot open store '%s': %s", path, sqlite3_errmsg(s->db));
		rc = -PL_ESTORE;
		goto err_close;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	rc = set_wal(s);
	if (rc)
		goto err_close;
	rc = exec_sql(s, "PRAGMA synchronous = FULL", "set synchronous");
	if (!rc)
		rc = exec_sql(s, "PRAGMA foreign_keys = ON", "enable foreign keys");
	if (rc)
		goto err_close;
	rc = migrate(s);
	if (rc)
		goto err_close;
	*out = &s->base;
	return 0;

err_close:
	sq_close(&s->base);
	return rc;
}

static int sq_schema_version(struct store *base, int *out)
{
	return read_user_version(to_sq(base), out);
}

/* ---- small helpers ----------------------------------------------------- */

struct idvec {
	int64_t *v;
	size_t n, cap;
};

static int idvec_push(struct idvec *iv, int64_t id)
{
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? iv->cap * 2 : 64;
		int64_t *v = realloc(iv->v, cap * sizeof(*v));
		if (!v)
			return -PL_ENOMEM;
		iv->v = v;
		iv->cap = cap;
	}
	iv->v[iv->n++] = id;
	return 0;
}

/* Run a statement whose first column is an id and collect the ids. */
static int collect_ids(struct sqlite_store *s, sqlite3_stmt *st, struct idvec *iv, const char *what)
{
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = idvec_push(iv, sqlite3_column_int64(st, 0));
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, what);
	sqlite3_reset(st);
	return ret;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Strict "YYYY-MM-DD". */
static int parse_date(const char *s, int *y, int *m, int *d)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -PL_EINVAL;
		} else if (s[i] < '0' || s[i] > '9') {
			return -PL_EINVAL;
		}
	}
	if (s[10] != '\0')
		return -PL_EINVAL;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
		return -PL_EINVAL;
	return 0;
}

/* ---- orders ------------------------------------------------------------ */

static int order_check(const struct order *o)
{
	if (o->nlines > ORDER_MAX_LINES || (o->nlines && !o->lines) || o->ntags > ORDER_MAX_TAGS)
		return -PL_EINVAL;
	return 0;
}

static bool order_line_same(const struct order_line *a, const struct order_line *b)
{
	return true ORDER_LINE_COLUMNS(SAME_COL);
}

/* Every stored field equal? (id and store timestamps are not order fields.) */
static bool order_same(const struct order *a, const struct order *b)
{
	if (!(true ORDER_COLUMNS(SAME_COL)))
		return false;
	if (a->ntags != b->ntags || a->nlines != b->nlines)
		return false;
	for (size_t i = 0; i < a->ntags; i++) {
		if (!SAME_STR(a->tags[i], b->tags[i]))
			return false;
	}
	for (size_t i = 0; i < a->nlines; i++) {
		if (!order_line_same(&a->lines[i], &b->lines[i]))
			return false;
	}
	return true;
}

/* Load order `id` into `out` (initialised; released first). Caller holds a
 * transaction. -PL_ENOTFOUND if there is no such order. */
static int order_load(struct sqlite_store *s, int64_t id, struct order *out)
{
	sqlite3_stmt *st;
	int rc, ret;

	order_release(out);
	order_init(out);
	ret = st_get(s, ST_ORDER_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		struct order *p = out;
		ORDER_COLUMNS(READ_COL)
		p->id = rd_int(&r);
		if (r.bad)
			ret = sq_bad_row(s, "order", id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read order");
	}
	sqlite3_reset(st);
	if (ret)
		return ret;

	ret = st_get(s, ST_ORDER_LINES_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order_line line, *p = &line;
		struct rd r = {.st = st};

		memset(&line, 0, sizeof(line));
		ORDER_LINE_COLUMNS(READ_COL)
		if (r.bad) {
			ret = sq_bad_row(s, "order line of order", id);
			break;
		}
		ret = order_add_line(out, &line);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read order lines");
	sqlite3_reset(st);
	if (ret)
		return ret;

	ret = st_get(s, ST_ORDER_TAGS_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rd r = {.st = st};

		if (out->ntags >= ORDER_MAX_TAGS) {
			ret = sq_bad_row(s, "tags of order", id);
			break;
		}
		READ_STR(&r, out->tags[out->ntags]);
		if (r.bad) {
			ret = sq_bad_row(s, "tag of order", id);
			break;
		}
		out->ntags++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read order tags");
	sqlite3_reset(st);
	return ret;
}

static int order_write_children(struct sqlite_store *s, const struct order *o, int64_t id)
{
	sqlite3_stmt *st;
	int ret;

	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *p = &o->lines[i];
		struct bd b;

		ret = st_get(s, ST_ORDER_LINE_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		ORDER_LINE_COLUMNS(BIND_COL)
		bd_int(&b, id);
		bd_int(&b, (int64_t)i);
		if (b.rc)
			return sq_fail(s, b.rc, "bind order line");
		ret = st_run(s, st, "store order line");
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < o->ntags; i++) {
		struct bd b;

		ret = st_get(s, ST_ORDER_TAG_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		bd_int(&b, id);
		bd_int(&b, (int64_t)i);
		BIND_STR(&b, o->tags[i]);
		if (b.rc)
			return sq_fail(s, b.rc, "bind order tag");
		ret = st_run(s, st, "store order tag");
		if (ret)
			return ret;
	}
	return 0;
}

static int event_insert(struct sqlite_store *s, int64_t order_id, const char *from, const char *to,
			int64_t at)
{
	sqlite3_stmt *st;
	struct bd b;
	int ret = st_get(s, ST_EVENT_INSERT, &st);

	if (ret)
		return ret;
	b = (struct bd){.st = st};
	bd_int(&b, order_id);
	bd_str(&b, from, sizeof(((struct order *)0)->status));
	bd_str(&b, to, sizeof(((struct order *)0)->status));
	bd_int(&b, at);
	if (b.rc)
		return sq_fail(s, b.rc, "bind status event");
	return st_run(s, st, "store status event");
}

static int audit_insert(struct sqlite_store *s, const char *actor, const char *action,
			const char *object, const char *detail, int64_t now);

/* Id of the open hold of an order in *hold_id (0 if none). */
static int hold_open_id(struct sqlite_store *s, int64_t order_id, int64_t *hold_id)
{
	sqlite3_stmt *st;
	int rc, ret = st_get(s, ST_HOLD_OPEN, &st);

	*hold_id = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, order_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*hold_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "look up order hold");
	sqlite3_reset(st);
	return ret;
}

/* The content of an order with a live document changed: hold it, inside the
 * upsert's transaction, so the change and the hold commit together. */
static int hold_if_issued(struct sqlite_store *s, int64_t id, const struct order *old,
			  const struct order *o, int64_t now)
{
	char docnum[64] = "", reason[ORDER_DIFF_MAX], oldc[ORDER_DIFF_MAX], newc[ORDER_DIFF_MAX];
	char detail[ORDER_DIFF_MAX + 96];
	int64_t doc_id = 0, hold_id = 0;
	sqlite3_stmt *st;
	struct bd b;
	int rc, ret = st_get(s, ST_HOLD_DOC, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		doc_id = rd_int(&r);
		READ_STR(&r, docnum);
		if (r.bad)
			ret = sq_bad_row(s, "document of order", id);
	} else if (rc != SQLITE_DONE) {
		ret = sq_fail(s, rc, "look up the order's documents");
	}
	sqlite3_reset(st);
	if (ret || doc_id == 0)
		return ret; /* nothing issued yet: a change before issue is normal */
	order_content_diff(old, o, reason, sizeof(reason));
	order_content_summary(o, newc, sizeof(newc));
	ret = hold_open_id(s, id, &hold_id);
	if (ret)
		return ret;
	if (hold_id) {
		/* changed again while held: the old content stays the issued one */
		ret = st_get(s, ST_HOLD_UPDATE, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		bd_int(&b, hold_id);
		bd_text(&b, reason);
		bd_text(&b, newc);
	} else {
		order_content_summary(old, oldc, sizeof(oldc));
		ret = st_get(s, ST_HOLD_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		bd_int(&b, id);
		bd_ref(&b, doc_id);
		bd_text(&b, docnum);
		bd_text(&b, reason);
		bd_text(&b, oldc);
		bd_text(&b, newc);
		bd_int(&b, now);
	}
	ret = b.rc ? sq_fail(s, b.rc, "bind order hold") : st_run(s, st, "store order hold");
	if (ret)
		return ret;
	pl_warn("order '%s' changed after %s was issued: %s; held", o->number, docnum, reason);
	snprintf(detail, sizeof(detail), "changed after %s was issued: %s", docnum, reason);
	return audit_insert(s, "import", "order.held", o->number, detail, now);
}

/* Upsert one order inside the caller's transaction. On success *id_out is
 * the row id; `o` itself is not modified (the caller commits first). */
static int order_upsert_one(struct sqlite_store *s, const struct order *o, int64_t now,
			    int64_t *id_out, enum store_upsert *res)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc, ret;
	struct bd b;
	const struct order *p = o;

	ret = st_get(s, ST_ORDER_ID, &st);
	if (ret)
		return ret;
	b = (struct bd){.st = st};
	BIND_STR(&b, o->source);
	BIND_STR(&b, o->ext_id);
	if (b.rc)
		return sq_fail(s, b.rc, "bind order key");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "look up order");
	sqlite3_reset(st);
	if (ret)
		return ret;

	if (id == 0) {
		ret = st_get(s, ST_ORDER_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		ORDER_COLUMNS(BIND_COL)
		bd_int(&b, now);
		bd_int(&b, now);
		if (b.rc)
			return sq_fail(s, b.rc, "bind order");
		ret = st_run(s, st, "store order");
		if (ret)
			return ret;
		id = sqlite3_last_insert_rowid(s->db);
		ret = order_write_children(s, o, id);
		if (!ret)
			ret = event_insert(s, id, "", o->status, now);
		if (ret)
			return ret;
		*id_out = id;
		*res = STORE_INSERTED;
		return 0;
	}

	struct order old;
	order_init(&old);
	ret = order_load(s, id, &old);
	if (ret)
		goto out_release;
	if (order_same(o, &old)) {
		*id_out = id;
		*res = STORE_UNCHANGED; /* nothing written: no event, no new mtime */
		goto out_release;
	}
	ret = st_get(s, ST_ORDER_UPDATE, &st);
	if (ret)
		goto out_release;
	b = (struct bd){.st = st};
	ORDER_COLUMNS(BIND_COL)
	bd_int(&b, now);
	bd_int(&b, id);
	if (b.rc) {
		ret = sq_fail(s, b.rc, "bind order");
		goto out_release;
	}
	ret = st_run(s, st, "update order");
	/* Lines and tags are replaced whole: a line's position is its identity
	 * in the source, so a diff would buy nothing. */
	if (!ret && (ret = st_get(s, ST_ORDER_LINES_DELETE, &st)) == 0) {
		sqlite3_bind_int64(st, 1, id);
		ret = st_run(s, st, "replace order lines");
	}
	if (!ret && (ret = st_get(s, ST_ORDER_TAGS_DELETE, &st)) == 0) {
		sqlite3_bind_int64(st, 1, id);
		ret = st_run(s, st, "replace order tags");
	}
	if (!ret)
		ret = order_write_children(s, o, id);
	if (!ret && !SAME_STR(old.status, o->status))
		ret = event_insert(s, id, old.status, o->status, now);
	if (!ret && order_content_changed(&old, o))
		ret = hold_if_issued(s, id, &old, o, now);
	if (!ret) {
		*id_out = id;
		*res = STORE_UPDATED;
	}
out_release:
	order_release(&old);
	return ret;
}

static int sq_order_upsert_many(struct store *base, struct order *v, size_t n, int64_t now,
				enum store_upsert *outs)
{
	struct sqlite_store *s = to_sq(base);
	int64_t *ids;
	enum store_upsert *res;
	int ret = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (order_check(&v[i])) {
			pl_err("store '%s': order %zu of the batch ('%.64s') has a bad line or "
			       "tag count: nothing stored",
			       s->path, i, v[i].ext_id);
			return -PL_EINVAL;
		}
	}
	ids = calloc(n, sizeof(*ids));
	res = calloc(n, sizeof(*res));
	if (!ids || !res) {
		ret = -PL_ENOMEM;
		goto out_free;
	}
	ret = tx_begin(s);
	if (ret)
		goto out_free;
	for (size_t i = 0; i < n && !ret; i++) {
		ret = order_upsert_one(s, &v[i], now, &ids[i], &res[i]);
		if (ret)
			pl_warn("store '%s': order %zu of the batch ('%.16s' '%.64s') failed: "
				"the whole batch is rolled back",
				s->path, i, v[i].source, v[i].ext_id);
	}
	ret = tx_end(s, ret);
	if (ret)
		goto out_free;
	/* Only after the commit: a rolled-back batch leaves the caller's
	 * orders untouched. */
	for (size_t i = 0; i < n; i++) {
		v[i].id = ids[i];
		if (outs)
			outs[i] = res[i];
	}
out_free:
	free(ids);
	free(res);
	return ret;
}

static int sq_order_upsert(struct store *base, struct order *o, int64_t now, enum store_upsert *out)
{
	return sq_order_upsert_many(base, o, 1, now, out);
}

static int sq_order_get(struct store *base, int64_t id, struct order *out)
{
	struct sqlite_store *s = to_sq(base);
	int ret = tx_begin_read(s);

	if (ret)
		return ret;
	ret = order_load(s, id, out);
	tx_rollback(s); /* read only: nothing to commit */
	return ret;
}

/* Look up one id by a statement with one text parameter; 1 row = found,
 * 2 rows = ambiguous (-PL_EEXIST), 0 = -PL_ENOTFOUND. */
static int find_unique_id(struct sqlite_store *s, enum st_id sid, const char *key, int64_t *id)
{
	sqlite3_stmt *st;
	struct idvec iv = {0};
	int ret = st_get(s, sid, &st);

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	ret = collect_ids(s, st, &iv, "find order");
	if (!ret) {
		if (iv.n == 0) {
			ret = -PL_ENOTFOUND;
		} else if (iv.n > 1) {
			pl_warn("store '%s': more than one order matches '%s' (ids %lld, %lld)",
				s->path, key, (long long)iv.v[0], (long long)iv.v[1]);
			ret = -PL_EEXIST;
		} else {
			*id = iv.v[0];
		}
	}
	free(iv.v);
	return ret;
}

static int sq_order_find(struct store *base, const char *source, const char *ext_id,
			 struct order *out)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc, ret = tx_begin_read(s);

	if (ret)
		return ret;
	ret = st_get(s, ST_ORDER_ID, &st);
	if (ret)
		goto out_end;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ext_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "find order");
	sqlite3_reset(st);
	if (!ret)
		ret = order_load(s, id, out);
out_end:
	tx_rollback(s);
	return ret;
}

static int sq_order_find_number(struct store *base, const char *number, struct order *out)
{
	struct sqlite_store *s = to_sq(base);
	int64_t id = 0;
	int ret = tx_begin_read(s);

	if (ret)
		return ret;
	ret = find_unique_id(s, ST_ORDER_BY_NUMBER, number, &id);
	if (ret == -PL_ENOTFOUND)
		ret = find_unique_id(s, ST_ORDER_BY_EXT_ID, number, &id);
	if (!ret)
		ret = order_load(s, id, out);
	tx_rollback(s);
	return ret;
}

static int sq_order_list(struct store *base, const struct store_order_filter *f, store_order_fn *fn,
			 void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct idvec iv = {0};
	struct order o;
	sqlite3_stmt *st;
	int ret = st_get(s, ST_ORDER_LIST, &st);

	if (ret)
		return ret;
	if (f && f->source)
		sqlite3_bind_text(st, 1, f->source, -1, SQLITE_STATIC);
	if (f && f->status)
		sqlite3_bind_text(st, 2, f->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f ? f->since : 0);
	sqlite3_bind_int64(st, 4, f && f->limit ? (int64_t)f->limit : -1);
	ret = collect_ids(s, st, &iv, "list orders");
	if (ret)
		goto out_free;
	order_init(&o);
	for (size_t i = 0; i < iv.n; i++) {
		ret = sq_order_get(base, iv.v[i], &o);
		if (ret)
			break;
		if (fn(&o, arg))
			break;
	}
	order_release(&o);
out_free:
	free(iv.v);
	return ret;
}

static int sq_order_events(struct store *base, int64_t order_id, store_event_fn *fn, void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct store_status_event *ev = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret = st_get(s, ST_EVENTS_SELECT, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, order_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rd r = {.st = st};

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_status_event *nv = realloc(ev, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			ev = nv;
			cap = ncap;
		}
		ev[n].order_id = order_id;
		READ_STR(&r, ev[n].from);
		READ_STR(&r, ev[n].to);
		ev[n].at = rd_int(&r);
		if (r.bad) {
			ret = sq_bad_row(s, "status event of order", order_id);
			break;
		}
		n++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read status events");
	sqlite3_reset(st);
	for (size_t i = 0; !ret && i < n; i++) {
		if (fn(&ev[i], arg))
			break;
	}
	free(ev);
	return ret;
}

/* ---- documents --------------------------------------------------------- */

/* Take the next value of (kind, period) inside the caller's transaction. */
static int counter_next(struct sqlite_store *s, const char *kind, const char *period,
			int64_t *value)
{
	sqlite3_stmt *st;
	int rc, ret = st_get(s, ST_COUNTER_NEXT, &st);

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	else
		ret = sq_fail(s, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "take document number");
	sqlite3_reset(st); /* completes the INSERT ... RETURNING */
	return ret;
}

static int doc_write(struct sqlite_store *s, const struct document *d, int64_t *id_out)
{
	sqlite3_stmt *st;
	int64_t id;
	struct bd b;
	int ret = st_get(s, ST_DOC_INSERT, &st);

	if (ret)
		return ret;
	{
		const struct document *p = d;
		b = (struct bd){.st = st};
		DOC_COLUMNS(BIND_COL)
		/* times come from pl_now(), never SQL 'now': PL_NOW pins them in
		 * tests, and armhf's SQLite reads a 32-bit clock */
		bd_int(&b, pl_now());
	}
	if (b.rc)
		return sq_fail(s, b.rc, "bind document");
	ret = st_run(s, st, "store document");
	if (ret)
		return ret;
	id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *p = &d->lines[i];

		ret = st_get(s, ST_DOC_LINE_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		DOC_LINE_COLUMNS(BIND_COL)
		bd_int(&b, id);
		bd_int(&b, (int64_t)i);
		if (b.rc)
			return sq_fail(s, b.rc, "bind document line");
		ret = st_run(s, st, "store document line");
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < d->nsums; i++) {
		const struct doc_vat_sum *p = &d->sums[i];

		ret = st_get(s, ST_DOC_SUM_INSERT, &st);
		if (ret)
			return ret;
		b = (struct bd){.st = st};
		DOC_SUM_COLUMNS(BIND_COL)
		bd_int(&b, id);
		bd_int(&b, (int64_t)i);
		if (b.rc)
			return sq_fail(s, b.rc, "bind document VAT sum");
		ret = st_run(s, st, "store document VAT sum");
		if (ret)
			return ret;
	}
	*id_out = id;
	return 0;
}

static int sq_doc_insert(struct store *base, struct document *d, const struct numbering *num)
{
	struct sqlite_store *s = to_sq(base);
	char saved[sizeof(d->number)];
	char period[NUMBERING_PERIOD_MAX];
	int y = 0, m = 0, day = 0;
	int64_t id = 0, value = 0;
	int ret;

	if ((d->nlines && !d->lines) || d->nsums > VAT_RATE_COUNT || d->kind == DOC_NONE ||
	    !kind_name(d->kind) || !dstate_name(d->state))
		return -PL_EINVAL;
	if (num) {
		if (parse_date(d->issue_date, &y, &m, &day)) {
			pl_err("store '%s': cannot number a document with issue date '%.10s'",
			       s->path, d->issue_date);
			return -PL_EINVAL;
		}
		numbering_period(num, y, m, period);
	}
	memcpy(saved, d->number, sizeof(saved));

	ret = tx_begin(s);
	if (ret)
		return ret;
	if (num) {
		/* The counter row is written in this transaction; if anything
		 * below fails, the rollback takes the number back (gapless). */
		ret = counter_next(s, doc_kind_name(d->kind), period, &value);
		if (!ret) {
			ret = numbering_format(num, y, m, day, value, d->number, sizeof(d->number));
			if (ret)
				pl_err("store '%s': document number %lld of '%s' does not fit",
				       s->path, (long long)value, num->pattern);
		}
	}
	if (!ret)
		ret = doc_write(s, d, &id);
	ret = tx_end(s, ret);
	if (ret) {
		memcpy(d->number, saved, sizeof(saved));
		return ret;
	}
	d->id = id;
	return 0;
}

static int doc_load(struct sqlite_store *s, int64_t id, struct document *out)
{
	sqlite3_stmt *st;
	int rc, ret;
	size_t cap = 0;

	doc_release(out);
	doc_init(out);
	ret = st_get(s, ST_DOC_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		struct document *p = out;
		DOC_COLUMNS(READ_COL)
		p->id = rd_int(&r);
		if (r.bad)
			ret = sq_bad_row(s, "document", id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read document");
	}
	sqlite3_reset(st);
	if (ret)
		return ret;

	ret = st_get(s, ST_DOC_LINES_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rd r = {.st = st};
		struct doc_line *p;

		if (out->nlines == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct doc_line *nv = realloc(out->lines, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			out->lines = nv;
			cap = ncap;
		}
		p = &out->lines[out->nlines];
		memset(p, 0, sizeof(*p));
		DOC_LINE_COLUMNS(READ_COL)
		if (r.bad) {
			ret = sq_bad_row(s, "line of document", id);
			break;
		}
		out->nlines++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read document lines");
	sqlite3_reset(st);
	if (ret)
		return ret;

	ret = st_get(s, ST_DOC_SUMS_SELECT, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rd r = {.st = st};
		struct doc_vat_sum *p;

		if (out->nsums >= VAT_RATE_COUNT) {
			ret = sq_bad_row(s, "VAT sums of document", id);
			break;
		}
		p = &out->sums[out->nsums];
		DOC_SUM_COLUMNS(READ_COL)
		if (r.bad) {
			ret = sq_bad_row(s, "VAT sum of document", id);
			break;
		}
		out->nsums++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read document VAT sums");
	sqlite3_reset(st);
	return ret;
}

static int sq_doc_get(struct store *base, int64_t id, struct document *out)
{
	struct sqlite_store *s = to_sq(base);
	int ret = tx_begin_read(s);

	if (ret)
		return ret;
	ret = doc_load(s, id, out);
	tx_rollback(s);
	return ret;
}

static int sq_doc_list(struct store *base, const struct store_doc_filter *f, store_doc_fn *fn,
		       void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct idvec iv = {0};
	struct document d;
	sqlite3_stmt *st;
	int ret = st_get(s, ST_DOC_LIST, &st);

	if (ret)
		return ret;
	if (f && f->has_kind) {
		if (!kind_name(f->kind))
			return -PL_EINVAL;
		sqlite3_bind_text(st, 1, doc_kind_name(f->kind), -1, SQLITE_STATIC);
	}
	if (f && f->has_state) {
		if (!dstate_name(f->state))
			return -PL_EINVAL;
		sqlite3_bind_text(st, 2, doc_state_name(f->state), -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 3, f ? f->order_id : 0);
	sqlite3_bind_int64(st, 4, f && f->limit ? (int64_t)f->limit : -1);
	ret = collect_ids(s, st, &iv, "list documents");
	if (ret)
		goto out_free;
	doc_init(&d);
	for (size_t i = 0; i < iv.n; i++) {
		ret = sq_doc_get(base, iv.v[i], &d);
		if (ret)
			break;
		if (fn(&d, arg))
			break;
	}
	doc_release(&d);
out_free:
	free(iv.v);
	return ret;
}

/* ---- the documents list ------------------------------------------------ */

/* Bytes of one search word, and whether it has at least three characters
 * (code points): the trigram index finds nothing shorter, so a shorter word
 * is matched with LIKE over the same four columns instead. */
static bool word_trigram(const char *w, size_t n)
{
	size_t cps = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)w[i] & 0xC0) != 0x80)
			cps++;
	return cps >= 3;
}

/* FTS5 phrase "w" with " doubled, appended to b. */
static int fts_phrase(struct buf *b, const char *w, size_t n)
{
	int e = buf_putc(b, '"');

	for (size_t i = 0; i < n; i++) {
		if (w[i] == '"')
			e |= buf_putc(b, '"');
		e |= buf_putc(b, w[i]);
	}
	return e | buf_putc(b, '"');
}

/* A word of digits with dashes or spaces inside ("525-000-11-22") also as
 * its digits: NIPs are stored bare. Returns the digit count (0 = not one). */
static size_t nip_digits(const char *w, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	bool sep = false;

	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)w[i])) {
			if (k + 1 >= cap)
				return 0;
			out[k++] = w[i];
		} else if (w[i] == '-') {
			sep = true;
		} else {
			return 0;
		}
	}
	out[k] = '\0';
	return sep ? k : 0;
}

/* The SQL text of a query and its parameters, built in one place so the
 * binder and the text cannot drift: every '?' appended is pushed here. */
struct qparams {
	const char *text[24];
	int64_t num[24];
	bool is_num[24];
	size_t n;
};

static int qp_text(struct buf *sql, struct qparams *p, const char *frag, const char *v)
{
	p->text[p->n] = v;
	p->is_num[p->n++] = false;
	return buf_puts(sql, frag);
}

static int qp_num(struct buf *sql, struct qparams *p, const char *frag, int64_t v)
{
	p->num[p->n] = v;
	p->is_num[p->n++] = true;
	return buf_puts(sql, frag);
}

static int sq_doc_query(struct store *base, const struct store_doc_query *q, store_doc_fn *fn,
			void *arg, int64_t *next)
{
	struct sqlite_store *s = to_sq(base);
	struct buf sql, fts, likes[8];
	struct qparams p = {0};
	struct idvec iv = {0};
	size_t nlike = 0, limit = q->limit ? q->limit : 50;
	sqlite3_stmt *st = NULL;
	struct document d;
	int y, m, day, rc, ret = 0, berr = 0;

	if (next)
		*next = 0;
	if (limit > STORE_DOC_QUERY_MAX || (q->has_kind && !kind_name(q->kind)) ||
	    (q->has_state && !dstate_name(q->state)) || (unsigned)q->pay > STORE_PAY_PARTLY ||
	    (q->from && parse_date(q->from, &y, &m, &day)) ||
	    (q->to && parse_date(q->to, &y, &m, &day)) || q->after < 0 ||
	    (q->search && strlen(q->search) > STORE_DOC_SEARCH_MAX))
		return -PL_EINVAL;
	buf_init(&sql, 8192);
	buf_init(&fts, 4 * STORE_DOC_SEARCH_MAX + 64);
	for (const char *w = q->search ? q->search : ""; *w;) {
		size_t n;
		char digits[STORE_DOC_SEARCH_MAX + 1];

		while (*w && isspace((unsigned char)*w))
			w++;
		n = strcspn(w, " \t\r\n\f\v");
		if (!n)
			break;
		if (word_trigram(w, n)) {
			if (fts.len)
				berr |= buf_puts(&fts, " AND ");
			berr |= buf_putc(&fts, '(');
			berr |= fts_phrase(&fts, w, n);
			if (nip_digits(w, n, digits, sizeof(digits)) >= 3) {
				berr |= buf_puts(&fts, " OR ");
				berr |= fts_phrase(&fts, digits, strlen(digits));
			}
			berr |= buf_putc(&fts, ')');
		} else if (nlike < ARRAY_SIZE(likes)) {
			/* %w% with LIKE's own wildcards escaped */
			struct buf *lb = &likes[nlike++];
			buf_init(lb, 64);
			berr |= buf_putc(lb, '%');
			for (size_t i = 0; i < n; i++) {
				if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
					berr |= buf_putc(lb, '\\');
				berr |= buf_putc(lb, w[i]);
			}
			berr |= buf_putc(lb, '%');
		} else {
			ret = -PL_EINVAL; /* more short words than anyone types */
			goto out;
		}
		w += n;
	}
	/* With words the FTS index drives, newest first: FTS5 walks its rowids
	 * in descending order and the page stops after `limit` hits, where
	 * "id IN (all hits)" would first collect every hit of a common name. */
	if (fts.len)
		berr |= qp_text(&sql, &p,
				"SELECT d.id FROM documents_fts JOIN documents d ON d.id = "
				"documents_fts.rowid WHERE documents_fts MATCH ?",
				fts.data);
	else
		berr |= buf_puts(&sql, "SELECT d.id FROM documents d WHERE 1");
	if (q->has_kind)
		berr |= qp_text(&sql, &p, " AND d.kind = ?", doc_kind_name(q->kind));
	if (q->has_state)
		berr |= qp_text(&sql, &p, " AND d.state = ?", doc_state_name(q->state));
	/* amount_paid carries the sign of the total (a correction pays back) */
	if (q->pay == STORE_PAY_PAID)
		berr |= buf_puts(&sql, " AND abs(d.amount_paid) >= abs(d.total_gross)");
	else if (q->pay == STORE_PAY_UNPAID)
		berr |= buf_puts(&sql, " AND d.amount_paid = 0 AND d.total_gross <> 0");
	else if (q->pay == STORE_PAY_PARTLY)
		berr |= buf_puts(
		    &sql, " AND d.amount_paid <> 0 AND abs(d.amount_paid) < abs(d.total_gross)");
	if (q->from)
		berr |= qp_text(&sql, &p, " AND d.issue_date >= ?", q->from);
	if (q->to)
		berr |= qp_text(&sql, &p, " AND d.issue_date <= ?", q->to);
	if (q->station)
		berr |= qp_text(&sql, &p, " AND d.station = ?", q->station);
	if (q->order_id)
		berr |= qp_num(&sql, &p, " AND d.order_id = ?", q->order_id);
	if (q->after)
		berr |= qp_num(&sql, &p, fts.len ? " AND documents_fts.rowid < ?" : " AND d.id < ?",
			       q->after);
	for (size_t i = 0; i < nlike; i++) {
		/* one parameter, named by number for all four columns */
		p.text[p.n] = likes[i].data;
		p.is_num[p.n++] = false;
		berr |=
		    buf_printf(&sql,
			       " AND (d.number LIKE ?%zu ESCAPE '\\' OR d.buyer_name LIKE ?%zu "
			       "ESCAPE '\\' OR d.buyer_nip LIKE ?%zu ESCAPE '\\' OR d.order_number "
			       "LIKE ?%zu ESCAPE '\\')",
			       p.n, p.n, p.n, p.n);
	}
	berr |= qp_num(&sql, &p,
		       fts.len ? " ORDER BY documents_fts.rowid DESC LIMIT ?"
			       : " ORDER BY d.id DESC LIMIT ?",
		       (int64_t)limit + 1);
	if (berr) {
		ret = -PL_ENOMEM;
		goto out;
	}
	rc = sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = sq_fail(s, rc, "prepare the documents query");
		goto out;
	}
	for (size_t i = 0; i < p.n; i++) {
		if (p.is_num[i])
			rc = sqlite3_bind_int64(st, (int)i + 1, p.num[i]);
		else
			rc = sqlite3_bind_text(st, (int)i + 1, p.text[i], -1, SQLITE_STATIC);
		if (rc != SQLITE_OK) {
			ret = sq_fail(s, rc, "bind the documents query");
			goto out;
		}
	}
	/* one statement: the ids come from one snapshot */
	ret = collect_ids(s, st, &iv, "list documents");
	if (!ret && iv.n > limit) {
		iv.n = limit;
		if (next)
			*next = iv.v[limit - 1];
	}
	doc_init(&d);
	/* the callbacks run with no statement or transaction open (like doc_list) */
	for (size_t i = 0; !ret && i < iv.n; i++) {
		ret = sq_doc_get(base, iv.v[i], &d);
		if (ret || fn(&d, arg))
			break;
	}
	doc_release(&d);
out:
	sqlite3_finalize(st);
	free(iv.v);
	for (size_t i = 0; i < nlike; i++)
		buf_release(&likes[i]);
	buf_release(&fts);
	buf_release(&sql);
	return ret;
}

/* pending -> issued | failed; issued -> cancelled; failed -> pending (retry). */
static bool doc_transition_ok(enum doc_state from, enum doc_state to)
{
	switch (from) {
	case DOC_PENDING:
		return to == DOC_ISSUED || to == DOC_FAILED;
	case DOC_ISSUED:
		return to == DOC_CANCELLED;
	case DOC_FAILED:
		return to == DOC_PENDING;
	case DOC_CANCELLED:
	case DOC_STATE_COUNT:
		break;
	}
	return false;
}

/* Check and write a document's state inside the caller's transaction. */
static int doc_state_write(struct sqlite_store *s, int64_t id, enum doc_state state,
			   const char *remote_id)
{
	enum doc_state from = DOC_PENDING;
	sqlite3_stmt *st;
	int rc, ret;

	if (!dstate_name(state))
		return -PL_EINVAL;
	if (remote_id && strlen(remote_id) >= sizeof(((struct document *)0)->remote_id))
		return -PL_ETOOBIG;
	ret = st_get(s, ST_DOC_STATE_GET, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		rd_dstate(&r, &from);
		if (r.bad)
			ret = sq_bad_row(s, "document", id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read document state");
	}
	sqlite3_reset(st);
	if (!ret && !doc_transition_ok(from, state)) {
		pl_warn("store '%s': document %lld cannot go from %s to %s", s->path, (long long)id,
			doc_state_name(from), doc_state_name(state));
		ret = -PL_ESTATE;
	}
	if (!ret)
		ret = st_get(s, ST_DOC_STATE_SET, &st);
	if (!ret) {
		struct bd b = {.st = st};
		bd_str(&b, doc_state_name(state), 32);
		bd_text(&b, remote_id);
		bd_int(&b, id);
		bd_int(&b, pl_now());
		ret = b.rc ? sq_fail(s, b.rc, "bind document state")
			   : st_run(s, st, "set document state");
	}
	return ret;
}

static int sq_doc_set_state(struct store *base, int64_t id, enum doc_state state,
			    const char *remote_id)
{
	struct sqlite_store *s = to_sq(base);
	int ret;

	if (!dstate_name(state))
		return -PL_EINVAL;
	if (remote_id && strlen(remote_id) >= sizeof(((struct document *)0)->remote_id))
		return -PL_ETOOBIG;
	ret = tx_begin(s);
	if (ret)
		return ret;
	return tx_end(s, doc_state_write(s, id, state, remote_id));
}

/* ---- journal ----------------------------------------------------------- */

static int attempt_add(struct sqlite_store *s, int64_t job_id, const char *owner,
		       enum job_state from, enum job_state to, const char *note,
		       const char *evidence);

static int job_read_row(struct sqlite_store *s, sqlite3_stmt *st, struct job *j)
{
	struct rd r = {.st = st};
	char state[16];

	memset(j, 0, sizeof(*j));
	j->id = rd_int(&r);
	j->order_id = rd_int(&r);
	READ_STR(&r, j->kind);
	READ_STR(&r, state);
	j->attempt = (int)rd_int(&r);
	READ_STR(&r, j->idem_key);
	j->request = rd_dup(&r);
	j->result = rd_dup(&r);
	j->created = rd_int(&r);
	j->updated = rd_int(&r);
	READ_STR(&r, j->resource);
	READ_STR(&r, j->owner);
	j->lease_until = rd_int(&r);
	j->not_before = rd_int(&r);
	j->doc_id = rd_int(&r);
	if (!r.bad && job_state_parse(state, &j->state) != 0)
		r.bad = 1;
	if (r.bad) {
		job_release(j);
		return sq_bad_row(s, "job", j->id);
	}
	return 0;
}

/* Load one job by a statement with one bound parameter (caller binds). */
static int job_fetch(struct sqlite_store *s, sqlite3_stmt *st, struct job *out)
{
	int rc = sqlite3_step(st);
	int ret;

	if (rc == SQLITE_ROW)
		ret = job_read_row(s, st, out);
	else
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read job");
	sqlite3_reset(st);
	return ret;
}

static int sq_job_begin(struct store *base, struct job *j)
{
	struct sqlite_store *s = to_sq(base);
	struct job old;
	sqlite3_stmt *st;
	int64_t now = now_ms();
	int ret;

	if (!j->kind[0] || !j->idem_key[0] ||
	    strnlen(j->kind, sizeof(j->kind)) == sizeof(j->kind) ||
	    strnlen(j->idem_key, sizeof(j->idem_key)) == sizeof(j->idem_key) ||
	    strnlen(j->resource, sizeof(j->resource)) == sizeof(j->resource))
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_BY_KEY, &st);
	if (ret)
		return tx_end(s, ret);
	sqlite3_bind_text(st, 1, j->idem_key, -1, SQLITE_STATIC);
	ret = job_fetch(s, st, &old);
	if (ret == 0) {
		/* One side effect per key: hand back the job that owns it. */
		tx_rollback(s);
		job_release(j);
		*j = old;
		return -PL_EEXIST;
	}
	if (ret != -PL_ENOTFOUND)
		return tx_end(s, ret);
	ret = st_get(s, ST_JOB_INSERT, &st);
	if (!ret) {
		struct bd b = {.st = st};
		bd_ref(&b, j->order_id);
		BIND_STR(&b, j->kind);
		bd_str(&b, job_state_name(JOB_PENDING), 16);
		bd_int(&b, 1);
		BIND_STR(&b, j->idem_key);
		bd_text(&b, j->request);
		bd_text(&b, j->result);
		bd_int(&b, now);
		BIND_STR(&b, j->resource);
		bd_ref(&b, j->doc_id);
		ret = b.rc ? sq_fail(s, b.rc, "bind job") : st_run(s, st, "record job intent");
	}
	if (!ret) {
		j->id = sqlite3_last_insert_rowid(s->db);
		ret = attempt_add(s, j->id, "", JOB_PENDING, JOB_PENDING, "intent recorded", NULL);
	}
	ret = tx_end(s, ret);
	if (ret) {
		j->id = 0;
		return ret;
	}
	j->state = JOB_PENDING;
	j->attempt = 1;
	j->created = j->updated = now;
	return 0;
}

/* The journal's state machine (docs/store.md):
 *   pending -> sending | failed | cancelled
 *   sending -> sending (new evidence) | done | failed | unknown
 *   unknown -> unknown (new evidence) | done | failed   (after reconciliation)
 *   failed  -> pending (new attempt only) | cancelled
 *   done, cancelled: final
 * A pending job is never marked done: an effect is only done after it was
 * sent, and "sending" is what makes an interrupted send visible. */
static bool job_transition_ok(enum job_state from, enum job_state to, bool new_attempt)
{
	if (new_attempt)
		return from == JOB_FAILED && to == JOB_PENDING;
	switch (from) {
	case JOB_PENDING:
		return to == JOB_SENDING || to == JOB_FAILED || to == JOB_CANCELLED;
	case JOB_SENDING:
		return to == JOB_SENDING || to == JOB_DONE || to == JOB_FAILED || to == JOB_UNKNOWN;
	case JOB_UNKNOWN:
		return to == JOB_UNKNOWN || to == JOB_DONE || to == JOB_FAILED;
	case JOB_FAILED:
		return to == JOB_CANCELLED;
	case JOB_DONE:
	case JOB_CANCELLED:
	case JOB_STATE_COUNT:
		break;
	}
	return false;
}

static int sq_job_update(struct store *base, int64_t id, enum job_state state, bool new_attempt,
			 const char *result)
{
	struct sqlite_store *s = to_sq(base);
	struct job cur;
	sqlite3_stmt *st;
	int ret;

	if ((unsigned)state >= JOB_STATE_COUNT)
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_BY_ID, &st);
	if (ret)
		return tx_end(s, ret);
	sqlite3_bind_int64(st, 1, id);
	ret = job_fetch(s, st, &cur);
	if (ret)
		return tx_end(s, ret);
	if (cur.owner[0] && cur.lease_until >= now_ms()) {
		pl_warn("store '%s': job %lld ('%s') is claimed by '%s': not changed", s->path,
			(long long)id, cur.idem_key, cur.owner);
		job_release(&cur);
		return tx_end(s, -PL_ELOST);
	}
	if (!job_transition_ok(cur.state, state, new_attempt)) {
		pl_warn("store '%s': job %lld ('%s') cannot go from %s to %s%s", s->path,
			(long long)id, cur.idem_key, job_state_name(cur.state),
			job_state_name(state), new_attempt ? " as a new attempt" : "");
		job_release(&cur);
		return tx_end(s, -PL_ESTATE);
	}
	job_release(&cur);
	ret = st_get(s, ST_JOB_UPDATE, &st);
	if (!ret) {
		struct bd b = {.st = st};
		bd_str(&b, job_state_name(state), 16);
		bd_int(&b, new_attempt ? 1 : 0);
		bd_text(&b, result);
		bd_int(&b, now_ms());
		bd_int(&b, id);
		ret = b.rc ? sq_fail(s, b.rc, "bind job") : st_run(s, st, "update job");
	}
	return tx_end(s, ret);
}

static int sq_job_get(struct store *base, int64_t id, struct job *out)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int ret = st_get(s, ST_JOB_BY_ID, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	return job_fetch(s, st, out);
}

static int sq_job_by_doc(struct store *base, int64_t doc_id, const char *kind, struct job *out)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int ret = st_get(s, ST_JOB_BY_DOC, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, doc_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	return job_fetch(s, st, out);
}

static int sq_job_list(struct store *base, enum job_state state, store_job_fn *fn, void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct job *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret;

	if ((unsigned)state >= JOB_STATE_COUNT)
		return -PL_EINVAL;
	ret = st_get(s, ST_JOB_LIST, &st);
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, job_state_name(state), -1, SQLITE_STATIC);
	/* Collect first: the usual caller (start-up sweep) updates each job
	 * from its callback. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct job *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		ret = job_read_row(s, st, &v[n]);
		if (ret)
			break;
		n++;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "list jobs");
	sqlite3_reset(st);
	for (size_t i = 0; !ret && i < n; i++) {
		if (fn(&v[i], arg))
			break;
	}
	for (size_t i = 0; i < n; i++)
		job_release(&v[i]);
	free(v);
	return ret;
}

/* ---- claims (docs/journal.md) ------------------------------------------ */

/* Append one history row inside the caller's transaction. */
static int attempt_add(struct sqlite_store *s, int64_t job_id, const char *owner,
		       enum job_state from, enum job_state to, const char *note,
		       const char *evidence)
{
	sqlite3_stmt *st;
	struct bd b;
	int ret = st_get(s, ST_JOB_ATTEMPT_INSERT, &st);

	if (ret)
		return ret;
	b = (struct bd){.st = st};
	bd_int(&b, job_id);
	bd_int(&b, now_ms());
	bd_text(&b, owner ? owner : "");
	bd_str(&b, job_state_name(from), 16);
	bd_str(&b, job_state_name(to), 16);
	bd_text(&b, note ? note : "");
	bd_text(&b, evidence);
	return b.rc ? sq_fail(s, b.rc, "bind job attempt") : st_run(s, st, "record job attempt");
}

/* A claim is live while its lease runs and the owner is not known gone. */
static bool claim_live(const struct job_claim *c, const char *owner, int64_t lease_until,
		       int64_t now)
{
	if (!owner[0] || lease_until < now)
		return false;
	if (c && c->owner && strcmp(owner, c->owner) == 0)
		return true; /* our own: never "gone" */
	return !(c && c->gone && c->gone(owner, c->gone_arg));
}

enum claim_verdict { CLAIM_OK, CLAIM_BUSY, CLAIM_BLOCKED };

/* May job `j` be claimed now, as far as its resource goes? Another job on
 * the resource claimed by a live owner -> busy (wait). For a pending job,
 * an unsettled (sending/unknown) one that is not claimable itself (held for
 * the operator or deferred) -> blocked: printing more would move the
 * counters its reconciliation depends on. A claimable unsettled one comes
 * first in the candidate order anyway, and blocks this one as busy. */
static int resource_check(struct sqlite_store *s, const struct job_claim *c, const struct job *j,
			  int64_t now, enum claim_verdict *out)
{
	sqlite3_stmt *st;
	int rc, ret;

	*out = CLAIM_OK;
	if (!j->resource[0])
		return 0;
	ret = st_get(s, ST_JOB_RESOURCE_BUSY, &st);
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, j->resource, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 1);
		const char *owner = (const char *)sqlite3_column_text(st, 2);
		int64_t lease = sqlite3_column_int64(st, 3);
		int64_t not_before = sqlite3_column_int64(st, 4);
		bool unsettled = state && (!strcmp(state, "sending") || !strcmp(state, "unknown"));

		if (claim_live(c, owner ? owner : "", lease, now)) {
			*out = CLAIM_BUSY;
			break;
		}
		if (unsettled && j->state == JOB_PENDING) {
			/* held or deferred: on an ordered resource it blocks; on
			 * another it waits alone (store.h) */
			if (not_before > now && !job_resource_ordered(j->resource))
				continue;
			*out = not_before > now ? CLAIM_BLOCKED : CLAIM_BUSY;
			if (*out == CLAIM_BLOCKED)
				break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read resource claims");
	sqlite3_reset(st);
	return ret;
}

static int sq_job_claim(struct store *base, const struct job_claim *c, struct job *out)
{
	struct sqlite_store *s = to_sq(base);
	struct job *v = NULL;
	size_t n = 0, cap = 0, pick = (size_t)-1;
	sqlite3_stmt *st;
	int64_t now = now_ms();
	int rc, ret, by_id = -PL_ENOTFOUND;

	if (!c || !c->owner || !c->owner[0] || c->lease_ms <= 0 ||
	    strlen(c->owner) >= sizeof(out->owner))
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_CLAIM_CANDIDATES, &st);
	if (ret)
		return tx_end(s, ret);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, c->id);
	sqlite3_bind_int(st, 3, c->include_held ? 1 : 0);
	sqlite3_bind_int(st, 4, c->unsettled_only ? 1 : 0);
	if (c->resource)
		sqlite3_bind_text(st, 5, c->resource, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct job *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		ret = job_read_row(s, st, &v[n]);
		if (ret)
			break;
		n++;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sq_fail(s, rc, "list claimable jobs");
	sqlite3_reset(st);
	for (size_t i = 0; !ret && i < n && pick == (size_t)-1; i++) {
		enum claim_verdict cv;
		bool kind_ok = c->id != 0 || c->nkinds == 0;

		for (size_t k = 0; !kind_ok && k < c->nkinds; k++)
			kind_ok = strcmp(v[i].kind, c->kinds[k]) == 0;
		if (!kind_ok)
			continue;
		/* a live claim is never taken; our own is re-entered by id only */
		if (claim_live(c, v[i].owner, v[i].lease_until, now) &&
		    (c->id == 0 || strcmp(v[i].owner, c->owner) != 0)) {
			by_id = -PL_EBUSY;
			continue;
		}
		ret = resource_check(s, c, &v[i], now, &cv);
		if (ret)
			break;
		if (cv != CLAIM_OK) {
			by_id = cv == CLAIM_BUSY ? -PL_EBUSY : -PL_ESTATE;
			continue;
		}
		pick = i;
	}
	if (!ret && pick == (size_t)-1) {
		if (c->id == 0)
			ret = -PL_ENOTFOUND;
		else if (n == 0) {
			/* not claimable by state: tell "no such job" from "final/held" */
			struct job tmp;
			ret = st_get(s, ST_JOB_BY_ID, &st);
			if (!ret) {
				sqlite3_bind_int64(st, 1, c->id);
				ret = job_fetch(s, st, &tmp);
				if (!ret) {
					job_release(&tmp);
					ret = -PL_ESTATE;
				}
			}
		} else
			ret = by_id;
	}
	if (!ret) {
		struct job *j = &v[pick];
		char note[160];
		struct bd b;

		j->reclaimed = j->owner[0] != '\0' || j->state != JOB_PENDING;
		snprintf(note, sizeof(note), "%s%s%s", j->reclaimed ? "reclaimed" : "claimed",
			 j->owner[0] ? " from " : "", j->owner);
		ret = st_get(s, ST_JOB_CLAIM_SET, &st);
		if (!ret) {
			b = (struct bd){.st = st};
			bd_text(&b, c->owner);
			bd_int(&b, now + c->lease_ms);
			bd_int(&b, now);
			bd_int(&b, j->id);
			ret = b.rc ? sq_fail(s, b.rc, "bind claim") : st_run(s, st, "claim job");
		}
		if (!ret)
			ret = attempt_add(s, j->id, c->owner, j->state, j->state, note, NULL);
		if (!ret) {
			snprintf(j->owner, sizeof(j->owner), "%s", c->owner);
			j->lease_until = now + c->lease_ms;
		}
	}
	ret = tx_end(s, ret);
	for (size_t i = 0; i < n; i++) {
		if (!ret && i == pick)
			continue;
		job_release(&v[i]);
	}
	if (!ret)
		*out = v[pick];
	free(v);
	return ret;
}

/* Read the job and test the CAS condition, in the caller's transaction. */
static int cas_check(struct sqlite_store *s, int64_t id, const char *owner, enum job_state from,
		     struct job *cur)
{
	sqlite3_stmt *st;
	int ret = st_get(s, ST_JOB_BY_ID, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	ret = job_fetch(s, st, cur);
	if (ret)
		return ret;
	if (cur->state != from || strcmp(cur->owner, owner) != 0) {
		pl_warn("store '%s': job %lld ('%s') is %s owned by '%s', not %s owned by '%s': "
			"claim lost",
			s->path, (long long)id, cur->idem_key, job_state_name(cur->state),
			cur->owner, job_state_name(from), owner);
		job_release(cur);
		return -PL_ELOST;
	}
	return 0;
}

static int sq_job_step(struct store *base, const struct job_step *js)
{
	struct sqlite_store *s = to_sq(base);
	bool release;
	struct job cur;
	sqlite3_stmt *st;
	int64_t now = now_ms();
	int ret;

	if (!js || !js->owner || !js->owner[0] || (unsigned)js->to >= JOB_STATE_COUNT ||
	    (unsigned)js->from >= JOB_STATE_COUNT)
		return -PL_EINVAL;
	release = js->release || js->to == JOB_DONE || js->to == JOB_CANCELLED;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = cas_check(s, js->id, js->owner, js->from, &cur);
	if (ret)
		return tx_end(s, ret);
	job_release(&cur);
	if (!(js->from == JOB_PENDING && js->to == JOB_PENDING && !js->new_attempt) &&
	    !job_transition_ok(js->from, js->to, js->new_attempt)) {
		pl_warn("store '%s': job %lld cannot go from %s to %s", s->path, (long long)js->id,
			job_state_name(js->from), job_state_name(js->to));
		return tx_end(s, -PL_ESTATE);
	}
	ret = st_get(s, ST_JOB_STEP, &st);
	if (!ret) {
		struct bd b = {.st = st};
		bd_str(&b, job_state_name(js->to), 16);
		bd_int(&b, js->new_attempt ? 1 : 0);
		bd_text(&b, js->result);
		bd_int(&b, now);
		bd_int(&b, release ? 1 : 0);
		bd_int(&b, js->lease_ms > 0 ? now + js->lease_ms : 0);
		bd_int(&b, js->not_before);
		bd_int(&b, js->id);
		bd_str(&b, job_state_name(js->from), 16);
		bd_text(&b, js->owner);
		ret = b.rc ? sq_fail(s, b.rc, "bind job step") : st_run(s, st, "job step");
	}
	if (!ret && sqlite3_changes(s->db) != 1)
		ret = -PL_ELOST;
	if (!ret && js->doc_id > 0)
		ret = doc_state_write(s, js->doc_id, js->doc_state, js->remote_id);
	if (!ret && (js->from != js->to || js->note))
		ret = attempt_add(s, js->id, js->owner, js->from, js->to, js->note, js->result);
	return tx_end(s, ret);
}

static int sq_job_renew(struct store *base, int64_t id, const char *owner, int64_t lease_ms)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int ret;

	if (!owner || !owner[0] || lease_ms <= 0)
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_RENEW, &st);
	if (!ret) {
		sqlite3_bind_int64(st, 1, now_ms() + lease_ms);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
		ret = st_run(s, st, "renew lease");
	}
	if (!ret && sqlite3_changes(s->db) != 1)
		ret = -PL_ELOST;
	return tx_end(s, ret);
}

static int sq_job_doc_insert(struct store *base, int64_t job_id, const char *owner,
			     struct document *d, const struct numbering *num)
{
	struct sqlite_store *s = to_sq(base);
	char saved[sizeof(d->number)];
	char period[NUMBERING_PERIOD_MAX];
	int y = 0, m = 0, day = 0;
	int64_t id = 0, value = 0;
	struct job cur;
	sqlite3_stmt *st;
	int ret;

	if (!owner || !owner[0] || (d->nlines && !d->lines) || d->nsums > VAT_RATE_COUNT ||
	    d->kind == DOC_NONE || !kind_name(d->kind) || !dstate_name(d->state))
		return -PL_EINVAL;
	if (num) {
		if (parse_date(d->issue_date, &y, &m, &day))
			return -PL_EINVAL;
		numbering_period(num, y, m, period);
	}
	memcpy(saved, d->number, sizeof(saved));
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = cas_check(s, job_id, owner, JOB_PENDING, &cur);
	if (ret)
		return tx_end(s, ret);
	if (cur.doc_id > 0) {
		d->id = cur.doc_id;
		job_release(&cur);
		tx_rollback(s);
		return -PL_EEXIST;
	}
	job_release(&cur);
	/* the owner is "station:pid:nonce": the document remembers its station */
	if (!d->station[0])
		snprintf(d->station, sizeof(d->station), "%.*s", (int)strcspn(owner, ":"), owner);
	if (num) {
		ret = counter_next(s, doc_kind_name(d->kind), period, &value);
		if (!ret)
			ret = numbering_format(num, y, m, day, value, d->number, sizeof(d->number));
	}
	if (!ret)
		ret = doc_write(s, d, &id);
	if (!ret)
		ret = st_get(s, ST_JOB_SET_DOC, &st);
	if (!ret) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now_ms());
		sqlite3_bind_int64(st, 3, job_id);
		ret = st_run(s, st, "link document to job");
	}
	if (!ret) {
		char note[160];
		snprintf(note, sizeof(note), "document %s %s", doc_kind_name(d->kind), d->number);
		ret = attempt_add(s, job_id, owner, JOB_PENDING, JOB_PENDING, note, NULL);
	}
	ret = tx_end(s, ret);
	if (ret) {
		memcpy(d->number, saved, sizeof(saved));
		return ret;
	}
	d->id = id;
	return 0;
}

static int sq_job_attempts(struct store *base, int64_t id, store_attempt_fn *fn, void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct job_attempt *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret = st_get(s, ST_JOB_ATTEMPTS_SELECT, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rd r = {.st = st};
		struct job_attempt *a;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct job_attempt *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		a = &v[n++];
		memset(a, 0, sizeof(*a));
		a->at = rd_int(&r);
		READ_STR(&r, a->owner);
		READ_STR(&r, a->from);
		READ_STR(&r, a->to);
		READ_STR(&r, a->note);
		a->evidence = rd_dup(&r);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "list job attempts");
	sqlite3_reset(st);
	for (size_t i = 0; !ret && i < n; i++)
		if (fn(&v[i], arg))
			break;
	for (size_t i = 0; i < n; i++)
		free(v[i].evidence);
	free(v);
	return ret;
}

static int sq_job_repair(struct store *base, size_t *fixed)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int ret = tx_begin(s);

	if (fixed)
		*fixed = 0;
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_REPAIR, &st);
	if (!ret) {
		sqlite3_bind_int64(st, 1, pl_now());
		ret = st_run(s, st, "repair documents of done jobs");
	}
	if (!ret && fixed)
		*fixed = (size_t)sqlite3_changes(s->db);
	return tx_end(s, ret);
}

/* ---- audit ------------------------------------------------------------- */

/* One audit row inside the caller's transaction. */
static int audit_insert(struct sqlite_store *s, const char *actor, const char *action,
			const char *object, const char *detail, int64_t now)
{
	sqlite3_stmt *st;
	int ret = st_get(s, ST_AUDIT_INSERT, &st);

	if (!ret) {
		struct bd b = {.st = st};
		bd_int(&b, now);
		bd_text(&b, actor);
		bd_text(&b, action);
		bd_text(&b, object);
		bd_text(&b, detail ? detail : "");
		ret = b.rc ? sq_fail(s, b.rc, "bind audit entry") : st_run(s, st, "audit");
	}
	return ret;
}

static int sq_audit_add(struct store *base, const char *actor, const char *action,
			const char *object, const char *detail, int64_t now)
{
	struct sqlite_store *s = to_sq(base);
	int ret;

	if (!actor || !action || !object)
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = audit_insert(s, actor, action, object, detail, now);
	return tx_end(s, ret);
}

static int sq_doc_pay(struct store *base, int64_t id, int64_t amount, const char *actor,
		      int64_t now, int64_t *paid_out)
{
	struct sqlite_store *s = to_sq(base);
	struct document d;
	sqlite3_stmt *st = NULL;
	char detail[160];
	int64_t paid = 0, total = 0; /* set by the read below; 0 keeps gcc -O2 for ARM quiet */
	int rc, ret;

	if (amount <= 0 || amount > ORDER_MONEY_MAX || !actor || !actor[0])
		return -PL_EINVAL;
	doc_init(&d);
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = doc_load(s, id, &d);
	if (!ret && d.state != DOC_PENDING && d.state != DOC_ISSUED)
		ret = -PL_ESTATE;
	if (ret)
		goto out;
	/* a correction's total is negative: what is paid back carries its sign */
	total = d.total_gross < 0 ? -d.total_gross : d.total_gross;
	paid = (d.amount_paid < 0 ? -d.amount_paid : d.amount_paid) + amount;
	if (paid > total) {
		ret = -PL_ETOOBIG;
		goto out;
	}
	if (d.total_gross < 0)
		paid = -paid;
	rc = sqlite3_prepare_v2(s->db, "UPDATE documents SET amount_paid = ?1 WHERE id = ?2", -1,
				&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, paid);
		sqlite3_bind_int64(st, 2, id);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		ret = sq_fail(s, rc, "record the payment");
		goto out;
	}
	snprintf(detail, sizeof(detail), "paid %lld of %lld %s (now %lld)", (long long)amount,
		 (long long)d.total_gross, d.currency, (long long)paid);
	ret = audit_insert(s, actor, "doc.pay", d.number[0] ? d.number : "(not numbered)", detail,
			   now);
out:
	sqlite3_finalize(st);
	ret = tx_end(s, ret);
	if (!ret && paid_out)
		*paid_out = paid;
	doc_release(&d);
	return ret;
}

/* ---- held orders ------------------------------------------------------- */

static int hold_load(struct sqlite_store *s, int64_t hold_id, struct store_hold *h)
{
	sqlite3_stmt *st;
	int rc, ret = st_get(s, ST_HOLD_SELECT, &st);

	if (ret)
		return ret;
	memset(h, 0, sizeof(*h));
	sqlite3_bind_int64(st, 1, hold_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		h->id = rd_int(&r);
		h->order_id = rd_int(&r);
		READ_STR(&r, h->order_number);
		h->doc_id = rd_int(&r);
		READ_STR(&r, h->doc_number);
		READ_STR(&r, h->reason);
		READ_STR(&r, h->old_content);
		READ_STR(&r, h->new_content);
		h->created = rd_int(&r);
		h->released = rd_int(&r);
		READ_STR(&r, h->released_by);
		READ_STR(&r, h->action);
		READ_STR(&r, h->release_reason);
		if (r.bad)
			ret = sq_bad_row(s, "order hold", hold_id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read order hold");
	}
	sqlite3_reset(st);
	return ret;
}

static int sq_hold_get(struct store *base, int64_t order_id, struct store_hold *out)
{
	struct sqlite_store *s = to_sq(base);
	int64_t hold_id = 0;
	int ret = tx_begin_read(s);

	if (ret)
		return ret;
	ret = hold_open_id(s, order_id, &hold_id);
	if (!ret)
		ret = hold_id ? hold_load(s, hold_id, out) : -PL_ENOTFOUND;
	tx_rollback(s);
	return ret;
}

static int sq_hold_list(struct store *base, bool open_only, store_hold_fn *fn, void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct idvec iv = {0};
	struct store_hold h;
	sqlite3_stmt *st;
	int ret = st_get(s, ST_HOLD_LIST, &st);

	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, open_only ? 1 : 0);
	ret = collect_ids(s, st, &iv, "list order holds");
	for (size_t i = 0; !ret && i < iv.n; i++) {
		ret = tx_begin_read(s);
		if (ret)
			break;
		ret = hold_load(s, iv.v[i], &h);
		tx_rollback(s);
		if (!ret && fn(&h, arg))
			break;
	}
	free(iv.v);
	return ret;
}

static int sq_hold_release(struct store *base, int64_t order_id, const char *actor,
			   const char *action, const char *reason, int64_t now)
{
	struct sqlite_store *s = to_sq(base);
	char verb[32], detail[600];
	struct store_hold h;
	int64_t hold_id = 0;
	sqlite3_stmt *st;
	int ret;

	/* the caps of struct store_hold: what is stored must read back */
	if (!actor || !*actor || strlen(actor) >= sizeof(h.released_by) || !action || !reason ||
	    !*reason || strlen(reason) >= sizeof(h.release_reason) ||
	    (strcmp(action, "accept") != 0 && strcmp(action, "correct") != 0))
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = hold_open_id(s, order_id, &hold_id);
	if (!ret && !hold_id)
		ret = -PL_ENOTFOUND;
	if (!ret)
		ret = hold_load(s, hold_id, &h);
	if (!ret)
		ret = st_get(s, ST_HOLD_RELEASE, &st);
	if (!ret) {
		struct bd b = {.st = st};
		bd_int(&b, hold_id);
		bd_int(&b, now);
		bd_text(&b, actor);
		bd_text(&b, action);
		bd_text(&b, reason);
		ret = b.rc ? sq_fail(s, b.rc, "bind hold release") : st_run(s, st, "release hold");
	}
	if (!ret) {
		snprintf(verb, sizeof(verb), "order.%s", action);
		snprintf(detail, sizeof(detail),
			 "%.255s (held: changed after %.63s was issued: %.255s)", reason,
			 h.doc_number, h.reason);
		ret = audit_insert(s, actor, verb, h.order_number, detail, now);
	}
	return tx_end(s, ret);
}

/* ---- operator view: audit listing, resolving jobs ----------------------- */

/* A column copied into dst, cut at a character boundary when too long
 * (listings show what fits; nothing here is read back into the store). */
static void col_cut(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	size_t n = t ? strlen(t) : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

/* The audit log (seconds) and the job history (ms) as one list, so every
 * claim and step of the engine shows next to the operator's actions. */
static const char audit_list_sql[] =
    "SELECT at_ms, actor, action, object, detail FROM ("
    " SELECT a.at * 1000 AS at_ms, a.id AS k, 0 AS src, a.actor AS actor, a.action AS action,"
    "  a.object AS object, a.detail AS detail FROM audit_log a"
    " UNION ALL"
    " SELECT t.at, t.id, 1, t.owner, j.kind || '.' || t.to_state,"
    "  coalesce(nullif(o.number, ''), 'job:' || j.id),"
    "  'job ' || j.id || ' ' || j.idem_key || ': ' || t.from_state || ' -> ' || t.to_state ||"
    "  CASE WHEN t.note <> '' THEN ' (' || t.note || ')' ELSE '' END"
    " FROM job_attempts t JOIN jobs j ON j.id = t.job_id"
    " LEFT JOIN orders o ON o.id = j.order_id"
    ") WHERE ?1 IS NULL OR object = ?1 ORDER BY at_ms DESC, src, k DESC LIMIT ?2";

static int sq_audit_list(struct store *base, const struct store_audit_filter *f, store_audit_fn *fn,
			 void *arg)
{
	struct sqlite_store *s = to_sq(base);
	struct store_audit_entry *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(s->db, audit_list_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "prepare audit listing");
	if (f && f->object)
		sqlite3_bind_text(st, 1, f->object, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f && f->limit ? (int64_t)f->limit : -1);
	/* collected first: the callback may use the store (no statement open) */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit_entry *e;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct store_audit_entry *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				ret = -PL_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		e = &v[n++];
		e->at = sqlite3_column_int64(st, 0);
		col_cut(st, 1, e->actor, sizeof(e->actor));
		col_cut(st, 2, e->action, sizeof(e->action));
		col_cut(st, 3, e->object, sizeof(e->object));
		col_cut(st, 4, e->detail, sizeof(e->detail));
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "list the audit log");
	sqlite3_finalize(st);
	for (size_t i = 0; !ret && i < n; i++)
		if (fn(&v[i], arg))
			break;
	free(v);
	return ret;
}

/* May the operator move `cur` to `to`? (the contract in store.h) */
static bool resolve_allowed(const struct job *cur, enum job_state to, int64_t now)
{
	bool live = cur->owner[0] && cur->lease_until >= now;
	bool held = cur->not_before == JOB_HELD;

	if (live)
		return false;
	if (to == JOB_DONE || to == JOB_FAILED)
		return cur->state == JOB_UNKNOWN || cur->state == JOB_SENDING ||
		       (held && cur->state == JOB_PENDING);
	if (to == JOB_PENDING)
		return cur->state == JOB_FAILED ||
		       (held && (cur->state == JOB_PENDING || cur->state == JOB_UNKNOWN ||
				 cur->state == JOB_SENDING));
	return false;
}

static int sq_job_resolve(struct store *base, const struct job_resolve *r)
{
	struct sqlite_store *s = to_sq(base);
	struct job cur;
	sqlite3_stmt *st = NULL;
	char note[160], detail[600];
	int64_t now = now_ms();
	bool again;
	int rc, ret;

	if (!r || !r->actor || !r->actor[0] || !r->reason || !r->reason[0] ||
	    (r->to != JOB_DONE && r->to != JOB_FAILED && r->to != JOB_PENDING))
		return -PL_EINVAL;
	if (strlen(r->actor) >= sizeof(cur.owner))
		return -PL_ETOOBIG;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_JOB_BY_ID, &st);
	if (ret)
		return tx_end(s, ret);
	sqlite3_bind_int64(st, 1, r->id);
	ret = job_fetch(s, st, &cur);
	if (ret)
		return tx_end(s, ret);
	if (cur.state != r->from || !resolve_allowed(&cur, r->to, now)) {
		pl_warn("store '%s': job %lld is %s%s%s, expected %s: not moved to %s", s->path,
			(long long)r->id, job_state_name(cur.state),
			cur.owner[0] && cur.lease_until >= now ? " and claimed by " : "",
			cur.owner[0] && cur.lease_until >= now ? cur.owner : "",
			job_state_name(r->from), job_state_name(r->to));
		job_release(&cur);
		return tx_end(s, -PL_ESTATE);
	}
	again = r->to == JOB_PENDING && cur.state == JOB_FAILED;
	rc = sqlite3_prepare_v2(s->db,
				"UPDATE jobs SET state = ?1, result = coalesce(?2, result), "
				"updated = ?3, owner = '', lease_until = 0, not_before = 0, "
				"attempt = attempt + ?6 WHERE id = ?4 AND state = ?5",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = sq_fail(s, rc, "prepare job resolve");
	} else {
		struct bd b = {.st = st};
		bd_str(&b, job_state_name(r->to), 16);
		bd_text(&b, r->result);
		bd_int(&b, now);
		bd_int(&b, r->id);
		bd_str(&b, job_state_name(r->from), 16);
		bd_int(&b, again ? 1 : 0);
		ret = b.rc ? sq_fail(s, b.rc, "bind job resolve") : st_run(s, st, "resolve job");
		if (!ret && sqlite3_changes(s->db) != 1)
			ret = -PL_ESTATE;
	}
	sqlite3_finalize(st);
	/* the document follows the job in the same transaction (core/document.h:
	 * pending -> issued | failed, failed -> pending) */
	if (!ret && cur.doc_id > 0) {
		enum doc_state dst = DOC_PENDING;
		sqlite3_stmt *ds;

		ret = st_get(s, ST_DOC_STATE_GET, &ds);
		if (!ret) {
			sqlite3_bind_int64(ds, 1, cur.doc_id);
			if (sqlite3_step(ds) == SQLITE_ROW) {
				struct rd rr = {.st = ds};
				rd_dstate(&rr, &dst);
			}
			sqlite3_reset(ds);
			if (r->to == JOB_DONE && dst == DOC_PENDING)
				ret = doc_state_write(s, cur.doc_id, DOC_ISSUED, NULL);
			else if (r->to == JOB_FAILED && dst == DOC_PENDING)
				ret = doc_state_write(s, cur.doc_id, DOC_FAILED, NULL);
			else if (r->to == JOB_PENDING && dst == DOC_FAILED)
				ret = doc_state_write(s, cur.doc_id, DOC_PENDING, NULL);
		}
	}
	snprintf(note, sizeof(note), "%s by %s: %s", r->to == JOB_PENDING ? "re-armed" : "resolved",
		 r->actor, r->reason);
	if (!ret)
		ret = attempt_add(s, r->id, r->actor, r->from, r->to, note, r->result);
	snprintf(detail, sizeof(detail), "job %lld %s (%s) %s -> %s: %s", (long long)r->id,
		 cur.kind, cur.idem_key, job_state_name(r->from), job_state_name(r->to), r->reason);
	if (!ret) {
		rc = sqlite3_prepare_v2(s->db,
					"INSERT INTO audit_log(at, actor, action, object, detail) "
					"VALUES (?1, ?2, ?3, coalesce((SELECT nullif(number, '') "
					"FROM orders WHERE id = ?4), 'job:' || ?5), ?6)",
					-1, &st, NULL);
		ret = rc == SQLITE_OK ? 0 : sq_fail(s, rc, "prepare audit entry");
	}
	if (!ret) {
		struct bd b = {.st = st};
		bd_int(&b, r->now);
		bd_text(&b, r->actor);
		bd_text(&b, r->to == JOB_PENDING ? "job.retry" : "job.resolve");
		bd_int(&b, cur.order_id);
		bd_int(&b, r->id);
		bd_text(&b, detail);
		ret = b.rc ? sq_fail(s, b.rc, "bind audit entry") : st_run(s, st, "audit");
		sqlite3_finalize(st);
	}
	job_release(&cur);
	return tx_end(s, ret);
}

/* ---- what a service holds of a document -------------------------------- */

static int sq_doc_remote_put(struct store *base, const struct doc_remote *r)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int rc, ret;

	if (!r || r->doc_id <= 0 || !r->service[0] || !r->remote_id[0])
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_REMOTE_PUT, &st);
	if (!ret) {
		sqlite3_bind_int64(st, 1, r->doc_id);
		sqlite3_bind_text(st, 2, r->service, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->remote_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->remote_number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r->detail && r->detail[0] ? r->detail : "{}", -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, r->updated_at);
		rc = sqlite3_step(st);
		/* a doc_id that is not a document: the foreign key refuses it */
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			ret = -PL_ENOTFOUND;
		else if (rc != SQLITE_DONE)
			ret = sq_fail(s, rc, "write doc_remote");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return tx_end(s, ret);
}

static int sq_doc_remote_get(struct store *base, int64_t doc_id, struct doc_remote *out)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	ret = st_get(s, ST_REMOTE_GET, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, doc_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		const unsigned char *detail;
		out->doc_id = rd_int(&r);
		READ_STR(&r, out->service);
		READ_STR(&r, out->remote_id);
		READ_STR(&r, out->remote_number);
		READ_STR(&r, out->status);
		detail = sqlite3_column_text(st, r.i++);
		out->detail = strdup(detail ? (const char *)detail : "{}");
		out->updated_at = rd_int(&r);
		if (!out->detail)
			ret = -PL_ENOMEM;
		else if (r.bad)
			ret = sq_bad_row(s, "doc_remote", doc_id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read doc_remote");
	}
	sqlite3_reset(st);
	if (ret)
		doc_remote_release(out);
	return ret;
}

/* ---- packing sessions (h-station) --------------------------------------- */

static int sq_pack_session_put(struct store *base, const struct pack_session *ps)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int rc, ret;

	if (!ps || ps->order_id <= 0 || !ps->state[0])
		return -PL_EINVAL;
	ret = tx_begin(s);
	if (ret)
		return ret;
	ret = st_get(s, ST_PACK_PUT, &st);
	if (!ret) {
		sqlite3_bind_int64(st, 1, ps->order_id);
		sqlite3_bind_text(st, 2, ps->station, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ps->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ps->scanned[0] ? ps->scanned : "{}", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, ps->updated);
		rc = sqlite3_step(st);
		/* no such order, or a state the CHECK refuses */
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			ret = -PL_ENOTFOUND;
		else if (rc != SQLITE_DONE)
			ret = sq_fail(s, rc, "write pack_sessions");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return tx_end(s, ret);
}

static int sq_pack_session_get(struct store *base, int64_t order_id, struct pack_session *out)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	ret = st_get(s, ST_PACK_GET, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, order_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct rd r = {.st = st};
		out->order_id = rd_int(&r);
		READ_STR(&r, out->station);
		READ_STR(&r, out->state);
		READ_STR(&r, out->scanned);
		out->updated = rd_int(&r);
		if (r.bad)
			ret = sq_bad_row(s, "pack_sessions", order_id);
	} else {
		ret = rc == SQLITE_DONE ? -PL_ENOTFOUND : sq_fail(s, rc, "read pack_sessions");
	}
	sqlite3_reset(st);
	return ret;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .order_upsert = sq_order_upsert,
    .order_upsert_many = sq_order_upsert_many,
    .order_get = sq_order_get,
    .order_find = sq_order_find,
    .order_find_number = sq_order_find_number,
    .order_list = sq_order_list,
    .order_events = sq_order_events,
    .doc_insert = sq_doc_insert,
    .doc_get = sq_doc_get,
    .doc_list = sq_doc_list,
    .doc_set_state = sq_doc_set_state,
    .job_begin = sq_job_begin,
    .job_update = sq_job_update,
    .job_get = sq_job_get,
    .job_by_doc = sq_job_by_doc,
    .job_list = sq_job_list,
    .job_claim = sq_job_claim,
    .job_step = sq_job_step,
    .job_renew = sq_job_renew,
    .job_doc_insert = sq_job_doc_insert,
    .job_attempts = sq_job_attempts,
    .job_repair = sq_job_repair,
    .hold_get = sq_hold_get,
    .hold_list = sq_hold_list,
    .hold_release = sq_hold_release,
    .audit_add = sq_audit_add,
    .audit_list = sq_audit_list,
    .job_resolve = sq_job_resolve,
    .doc_remote_put = sq_doc_remote_put,
    .doc_remote_get = sq_doc_remote_get,
    .doc_query = sq_doc_query,
    .doc_pay = sq_doc_pay,
    .pack_session_put = sq_pack_session_put,
    .pack_session_get = sq_pack_session_get,
};
