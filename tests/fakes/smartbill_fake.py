#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""smartbill_fake.py - a local fake of the SmartBill Cloud REST API for packline's tests.

python3 stdlib only. Faithful to the contract in research/http-apis.md section 2:
  * base path /SBORO/api; preemptive HTTP Basic auth, user = login e-mail, password = API token;
  * `cif` (query) / `companyVatCode` (body) must be the account's CIF;
  * series with numbering: each series has `nextNumber`; an invoice takes it, zero-padded
    ("0025"); GET /series?cif=&type=f lists {name, nextNumber, type};
  * POST /invoice -> {"errorText":"","message":"","number":"0120","series":"FCT","url":""};
    `isDraft:true` saves without a number (no series consumption);
  * GET /invoice/pdf, GET /invoice/paymentstatus, PUT /invoice/cancel, PUT /invoice/restore,
    DELETE /invoice (last of its series only), POST /invoice/reverse (storno, once per invoice),
    POST /payment, GET /tax;
  * business errors are HTTP 200 with a non-empty `errorText`;
  * malformed JSON -> 400 {"type":"invalid_request_error","errors":[{"code":...}]}, and so is
    a wrong Accept header (invalid_accept_header);
  * 30 calls per 10 s per token; the call over the limit locks the token for 10 minutes and
    every call meanwhile is refused with 403 + errorText "...limita maxima de requesturi...".

Fault injection (not SmartBill), POST /__fake/config {"fault": "timeout"|"drop"|"500"|"hang",
"fault_count": N, "hang_s": S}: the next N invoice creates or stornos COMMIT and then
  timeout - answer only after hang_s seconds (longer than the client waits),
  drop    - close the connection without an answer,
  500     - answer 500 with an HTML page,
  hang    - like timeout but hang_s defaults to 3600 (for a SIGKILL test).
GET /__fake/stats -> {"invoices":[...], "series":{...}, "calls":N, "max_window":N,
"lockouts":N, "refused_rate":N, "requests":[...]} where max_window is the largest number of
calls the fake ever saw inside one 10 s window.

usage: smartbill_fake.py --user E --token T --cif RO123 [--series FCT:1] [--port-file F]
"""
import argparse
import base64
import json
import os
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE = "/SBORO/api"
LIMIT_CALLS = 30
LIMIT_WINDOW = 10.0
LOCKOUT = 600.0
RATE_TEXT = ("Ati atins limita maxima de requesturi permise. "
             "Va rugam reincercati peste 10 minute.")  # GUESS: exact wording (observed substring)

LOCK = threading.Lock()
STATE = {
    "series": {},       # name -> {"name","nextNumber","type"}
    "invoices": [],     # dicts, in creation order
    "payments": [],
    "calls": [],        # receive times inside the last window
    "all_calls": 0,
    "max_window": 0,
    "locked_until": 0.0,
    "lockouts": 0,
    "refused_rate": 0,
    "requests": [],
    "cfg": {"fault": "", "fault_count": 0, "hang_s": 5.0},
}
# GUESS: the tax list of a Romanian account after August 2025 (names from the docs).
TAXES = [{"name": "Normala", "percentage": 21}, {"name": "Redusa", "percentage": 11},
         {"name": "Super redusa", "percentage": 5}, {"name": "SDD", "percentage": 0},
         {"name": "Taxare inversa", "percentage": 0}]
ARGS = None
PAD = 4  # GUESS: numbers are zero-padded to 4 digits, as in every documented example


def fmt_number(n):
    return str(n).zfill(PAD)


class Drop(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "smartbill-fake/1.0"

    def log_message(self, fmt, *args):
        pass

    def parse_request(self):
        self._body_read = False
        self._raw = b""
        return super().parse_request()

    def read_body(self):
        if not self._body_read:
            n = int(self.headers.get("Content-Length") or 0)
            self._raw = self.rfile.read(n) if n else b""
            self._body_read = True
        return self._raw

    def send_response(self, code, message=None):
        self.read_body()
        super().send_response(code, message)

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def biz_error(self, text):
        # business errors: HTTP 200 with errorText [code], [obs]
        self.send_json(200, {"errorText": text, "message": "", "number": "", "series": "",
                             "url": ""})

    def bad_request(self, code, param, message):
        self.send_json(400, {"type": "invalid_request_error",
                             "errors": [{"code": code, "param": param, "message": message}]})

    # --- auth and the rate limit ---
    def authorized(self):
        h = self.headers.get("Authorization") or ""
        want = base64.b64encode((ARGS.user + ":" + ARGS.token).encode()).decode()
        if h != "Basic " + want:
            # GUESS: SmartBill's 401 body; the status is what clients check
            self.send_json(401, {"errorText": "Autentificare esuata", "message": ""})
            return False
        return True

    def count_call(self):
        """Every authenticated call counts against the token, refused ones included."""
        now = time.monotonic()
        with LOCK:
            STATE["all_calls"] += 1
            if now < STATE["locked_until"]:
                STATE["refused_rate"] += 1
                locked = True
            else:
                calls = [t for t in STATE["calls"] if now - t < LIMIT_WINDOW]
                calls.append(now)
                STATE["calls"] = calls
                STATE["max_window"] = max(STATE["max_window"], len(calls))
                locked = len(calls) > LIMIT_CALLS
                if locked:
                    STATE["locked_until"] = now + LOCKOUT
                    STATE["lockouts"] += 1
                    STATE["refused_rate"] += 1
            left = int(STATE["locked_until"] - now) if locked else 0
        if locked:
            # observed: 403 + errorText (the docs say 429); `cooldown` may appear [obs]
            self.send_json(403, {"errorText": RATE_TEXT, "message": "", "cooldown": left})
            return False
        return True

    def gate(self):
        with LOCK:
            STATE["requests"].append(self.command + " " + self.path)
        return self.authorized() and self.count_call()

    def body_json(self):
        raw = self.read_body()
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    # --- routing ---
    def route(self, method):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path.startswith("/__fake/"):
            return self.fake_route(method, u.path)
        if not u.path.startswith(BASE + "/"):
            return self.send_json(404, {"errorText": "Not found", "message": ""})
        if not self.gate():
            return
        p = u.path[len(BASE):]
        # Accept as the official PHP kit sends it [doc]: JSON, or octet-stream for a PDF;
        # GUESS: which values SmartBill refuses (a missing header is let through)
        accept = self.headers.get("Accept")
        want = ("application/octet-stream", "application/pdf") if p.endswith("/pdf") \
            else ("application/json",)
        if accept and "*/*" not in accept and not any(w in accept for w in want):
            return self.bad_request("invalid_accept_header", "Accept",
                                    "Accept must be %s" % " or ".join(want))
        handler = ROUTES.get((method, p))
        if not handler:
            # GUESS: an unknown path or method
            return self.bad_request("method_not_allowed", "", "Method not allowed")
        body = None
        if method in ("POST",):
            body = self.body_json()
            if not isinstance(body, dict):
                return self.bad_request("json_parse_error", "", "Malformed JSON")
        else:
            if q.get("cif") != ARGS.cif:
                return self.biz_error("Firma cu CIF-ul %s nu exista." % q.get("cif", ""))
        try:
            handler(self, q, body)
        except Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def fake_route(self, method, path):
        if path == "/__fake/stats":
            with LOCK:
                return self.send_json(200, {
                    "invoices": STATE["invoices"], "series": STATE["series"],
                    "payments": STATE["payments"], "calls": STATE["all_calls"],
                    "max_window": STATE["max_window"], "lockouts": STATE["lockouts"],
                    "refused_rate": STATE["refused_rate"], "requests": STATE["requests"][-200:]})
        if path == "/__fake/config" and method == "POST":
            body = self.body_json() or {}
            with LOCK:
                STATE["cfg"].update(body)
                return self.send_json(200, STATE["cfg"])
        self.send_json(404, {"errorText": "no such fake control"})

    # --- helpers ---
    def find(self, series, number):
        for inv in STATE["invoices"]:
            if inv["series"] == series and inv["number"] == number and not inv["deleted"]:
                return inv
        return None

    def take_fault(self):
        with LOCK:
            c = STATE["cfg"]
            if c.get("fault") and int(c.get("fault_count") or 0) > 0:
                c["fault_count"] = int(c["fault_count"]) - 1
                return c["fault"], float(c.get("hang_s") or 5.0)
        return "", 0.0

    def answer_after_commit(self, obj):
        fault, hang = self.take_fault()
        if fault == "drop":
            raise Drop()
        if fault == "500":
            page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if fault in ("timeout", "hang"):
            time.sleep(hang if fault == "timeout" else max(hang, 3600.0))
        self.send_json(200, obj)

    # --- handlers ---
    def invoice_create(self, q, b):
        if b.get("companyVatCode") != ARGS.cif:
            return self.biz_error("Firma cu CIF-ul %s nu exista." % b.get("companyVatCode"))
        client = b.get("client")
        if not isinstance(client, dict) or not str(client.get("name") or "").strip():
            return self.biz_error("Nu ai completat numele clientului.")
        prods = b.get("products")
        if not isinstance(prods, list) or not prods:
            return self.biz_error("Factura trebuie sa contina cel putin un produs.")
        total = 0.0
        for i, p in enumerate(prods):
            if not isinstance(p, dict) or not str(p.get("name") or "").strip():
                return self.biz_error("Nu ai completat denumirea produsului.")
            qty, price = p.get("quantity"), p.get("price")
            if not isinstance(qty, (int, float)) or isinstance(qty, bool):
                return self.bad_request("json_mapping_error", "products[%d].quantity" % i,
                                        "quantity must be a number")
            if not isinstance(price, (int, float)) or isinstance(price, bool):
                return self.bad_request("json_mapping_error", "products[%d].price" % i,
                                        "price must be a number")
            if not p.get("measuringUnitName"):
                return self.biz_error("Nu ai completat unitatea de masura.")
            tax = [t for t in TAXES if t["name"] == p.get("taxName")]
            # GUESS: the percentage must be the one the account has for that tax name
            if not tax or tax[0]["percentage"] != p.get("taxPercentage"):
                return self.biz_error("Cota TVA %s (%s%%) nu este definita." %
                                      (p.get("taxName"), p.get("taxPercentage")))
            total += qty * price
        cur = b.get("currency") or "RON"
        if len(cur) != 3:
            return self.biz_error("Moneda %s nu exista." % cur)
        name = b.get("seriesName") or ""
        with LOCK:
            s = STATE["series"].get(name)
            if not s or s["type"] != "f":
                return self.biz_error("Seria %s nu exista." % name)  # [obs] "Seria nu exista"
            inv = {"series": name, "number": "", "draft": bool(b.get("isDraft")),
                   "canceled": False, "deleted": False, "reversed_by": "", "reverses": "",
                   "client": client, "products": prods, "currency": cur,
                   "total": round(total, 2), "issueDate": b.get("issueDate") or str(date.today()),
                   "mentions": b.get("mentions") or "", "observations": b.get("observations") or "",
                   "paid": 0.0}
            if not inv["draft"]:
                inv["number"] = fmt_number(s["nextNumber"])
                s["nextNumber"] += 1
            STATE["invoices"].append(inv)
        # committed: the fault (if any) strikes now
        self.answer_after_commit({"errorText": "", "message": "", "number": inv["number"],
                                  "series": name, "url": ""})

    def doc_of(self, q):
        inv = self.find(q.get("seriesname", ""), q.get("number", ""))
        if not inv:
            # GUESS: SmartBill's text when the document does not exist
            self.biz_error("Documentul %s%s nu exista." % (q.get("seriesname", ""),
                                                             q.get("number", "")))
        return inv

    def invoice_pdf(self, q, b):
        with LOCK:
            inv = self.doc_of(q)
            if not inv:
                return
            # GUESS: a real PDF is compressed; this one keeps its text plain so tests can read it
            text = "Factura %s%s %s %s" % (inv["series"], inv["number"], inv["mentions"],
                                           inv["observations"])
        stream = ("BT /F1 10 Tf 20 800 Td (%s) Tj ET" % text.replace("(", "").replace(")", ""))
        pdf = ("%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
               "4 0 obj<</Length %d>>stream\n%s\nendstream endobj\ntrailer<</Root 1 0 R>>\n"
               "%%%%EOF\n" % (len(stream), stream)).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(pdf)))
        self.end_headers()
        self.wfile.write(pdf)

    def invoice_cancel(self, q, b):
        with LOCK:
            inv = self.doc_of(q)
            if not inv:
                return
            if inv["canceled"]:
                return self.biz_error("Factura este deja anulata.")
            inv["canceled"] = True
        self.send_json(200, {"errorText": "", "message": "Factura a fost anulata cu succes.",
                             "number": inv["number"], "series": inv["series"]})

    def invoice_restore(self, q, b):
        with LOCK:
            inv = self.doc_of(q)
            if not inv:
                return
            if not inv["canceled"]:
                return self.biz_error("Factura nu este anulata.")
            inv["canceled"] = False
        self.send_json(200, {"errorText": "", "message": "Factura a fost restaurata cu succes.",
                             "number": inv["number"], "series": inv["series"]})

    def invoice_delete(self, q, b):
        with LOCK:
            inv = self.doc_of(q)
            if not inv:
                return
            s = STATE["series"][inv["series"]]
            if int(inv["number"]) != s["nextNumber"] - 1:
                # [code]: this text; answered as 403 [obs]
                return self.send_json(403, {
                    "errorText": "Nu poti sterge documentul %s%s, deoarece nu este ultimul din "
                                 "serie!" % (inv["series"], inv["number"]), "message": ""})
            inv["deleted"] = True
            s["nextNumber"] -= 1  # GUESS: deleting the last gives its number back to the series
        self.send_json(200, {"errorText": "", "message":
                             "Factura cu seria si numarul %s%s a fost stearsa cu succes." %
                             (inv["series"], inv["number"])})

    def invoice_reverse(self, q, b):
        if b.get("companyVatCode") != ARGS.cif:
            return self.biz_error("Firma cu CIF-ul %s nu exista." % b.get("companyVatCode"))
        with LOCK:
            inv = self.find(b.get("seriesName") or "", b.get("number") or "")
            if not inv:
                return self.biz_error("Documentul nu exista.")
            if inv["reversed_by"] or inv["reverses"]:
                return self.biz_error("Factura a fost deja stornata.")  # GUESS: wording
            if inv["canceled"]:
                return self.biz_error("Factura este anulata.")
            s = STATE["series"][inv["series"]]
            # GUESS: the storno copies the invoice's mentions/observations
            rev = dict(inv, number=fmt_number(s["nextNumber"]), reverses=inv["number"],
                       reversed_by="", total=-inv["total"], canceled=False,
                       products=[dict(p, quantity=-p["quantity"]) for p in inv["products"]])
            s["nextNumber"] += 1
            inv["reversed_by"] = rev["number"]
            STATE["invoices"].append(rev)
        # committed: the fault (if any) strikes now
        self.answer_after_commit({"errorText": "", "message": "", "number": rev["number"],
                                  "series": rev["series"], "url": ""})

    def payment_status(self, q, b):
        with LOCK:
            inv = self.doc_of(q)
            if not inv:
                return
            tot, paid = inv["total"], inv["paid"]
        self.send_json(200, {"errorText": "", "message": "", "invoiceTotalAmount": tot,
                             "paidAmount": paid, "unpaidAmount": round(tot - paid, 2),
                             "paid": paid >= tot})

    def payment_create(self, q, b):
        if b.get("companyVatCode") != ARGS.cif:
            return self.biz_error("Firma cu CIF-ul %s nu exista." % b.get("companyVatCode"))
        value = b.get("value")
        if not isinstance(value, (int, float)) or value <= 0:
            return self.biz_error("Valoarea incasarii trebuie sa fie pozitiva.")
        with LOCK:
            for ref in b.get("invoicesList") or []:
                inv = self.find(ref.get("seriesName") or "", ref.get("number") or "")
                if not inv:
                    return self.biz_error("Factura %s%s nu exista." %
                                          (ref.get("seriesName"), ref.get("number")))
                inv["paid"] = round(inv["paid"] + value, 2)
            STATE["payments"].append(b)
        self.send_json(200, {"errorText": "", "message": "", "number": "", "series": ""})

    def series_list(self, q, b):
        with LOCK:
            lst = [dict(s) for s in STATE["series"].values()
                   if not q.get("type") or s["type"] == q["type"]]
        # GUESS: the {"errorText","list"} wrapper [inf]
        self.send_json(200, {"errorText": "", "message": "", "list": lst})

    def tax_list(self, q, b):
        self.send_json(200, {"errorText": "", "message": "", "taxes": TAXES})  # GUESS: key


ROUTES = {
    ("POST", "/invoice"): Handler.invoice_create,
    ("GET", "/invoice/pdf"): Handler.invoice_pdf,
    ("PUT", "/invoice/cancel"): Handler.invoice_cancel,
    ("PUT", "/invoice/restore"): Handler.invoice_restore,
    ("DELETE", "/invoice"): Handler.invoice_delete,
    ("POST", "/invoice/reverse"): Handler.invoice_reverse,
    ("GET", "/invoice/paymentstatus"): Handler.payment_status,
    ("POST", "/payment"): Handler.payment_create,
    ("GET", "/series"): Handler.series_list,
    ("GET", "/tax"): Handler.tax_list,
}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--cif", required=True)
    ap.add_argument("--series", action="append", default=[],
                    help="NAME:NEXT[:TYPE] (type f invoice, p proforma, c receipt)")
    ap.add_argument("--port-file")
    ARGS = ap.parse_args()
    for s in ARGS.series or ["FCT:1"]:
        parts = s.split(":")
        STATE["series"][parts[0]] = {"name": parts[0], "nextNumber": int(parts[1]),
                                     "type": parts[2] if len(parts) > 2 else "f"}
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    else:
        print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
