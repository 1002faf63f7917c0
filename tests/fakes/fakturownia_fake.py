#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""fakturownia_fake.py - a local fake of the fakturownia.pl API for packline's tests.

python3 stdlib only. Faithful to the contract in research/http-apis.md section 1:
  * every path ends in .json (or .pdf); the API token is accepted in the JSON body
    ("api_token"), in the query string, or as "Authorization: Bearer"; a wrong one -> 401
    {"code":"error","message":...};
  * POST /invoices.json {"api_token","gov_save_and_send"?,"invoice":{...}} -> 201 + the full
    invoice (amounts as strings, token, position ids, gov_* fields); number null -> the next
    number of its kind, yearly reset; `oid` + `oid_unique:"yes"` -> a second invoice with that
    oid is refused with 422; validation errors -> 422 {"code":"error","message":{"field":[..]}};
  * with KSeF (gov_save_and_send or --auto-send) the KSeF data is validated at create: buyer_company,
    buyer_name + buyer_tax_no (+ buyer_tax_no_kind) for companies, buyer_first_name +
    buyer_last_name for consumers, position names <= 256, correction_reason <= 256, the
    correction's buyer identity equal to the original's; gov_status then moves
    processing -> ok (gov_id {NIP}-{YYYYMMDD}-{ID}) or send_error / server_error with
    gov_error_messages, after ksef_delay_s; GET ...json?send_to_ksef=yes sends again;
  * kinds: vat proforma advance final correction (+ others accepted as is); only vat, correction,
    advance, final (, vat_mp, vat_margin, wdt, export_products) go to KSeF, others
    "not_applicable";
  * correction: invoice_id/from_invoice_id of an existing invoice, one position per corrected
    line with kind "correction", the difference, correction_before_attributes and
    correction_after_attributes; after = before + difference, and the before state must be
    what is left of that line of the invoice (after earlier corrections);
  * GET /invoices.json (oid=, kind=, period=, page=, per_page<=100) -> bare array;
    GET /invoices/{id}.json -> invoice or 404 {"code":"error","message":"Not found"};
    GET /invoices/{id}.pdf -> application/pdf;
    POST /invoices/cancel.json {"cancel_invoice_id","cancel_reason"} -> {"code":"success",...},
    kind becomes "canceled"; POST /invoices/{id}/send_by_email.json -> {"status":"ok"} or
    HTTP 200 {"status":"error"} for a KSeF invoice without gov_id;
    POST /invoices/{id}/change_status.json?status=paid.

Fault injection (not fakturownia), POST /__fake/config {"fault": "timeout"|"drop"|"500"|"hang",
"fault_count": N, "hang_s": S, "fault_on": "create"|"cancel", "ksef_mode": "ok"|"send_error"|
"server_error_once", "ksef_delay_s": S}: the next N creates (or cancels) COMMIT and then
  timeout - answer only after hang_s seconds (longer than the client waits),
  drop    - close the connection without an answer,
  500     - answer 500 with an HTML page,
  hang    - like timeout but for an hour (for a SIGKILL test).
GET /__fake/stats -> {"invoices":[...], "creates":N, "requests":[...], "ksef_sends":N}.

usage: fakturownia_fake.py --token T [--nip 5260250274] [--auto-send] [--port-file F]
"""
import argparse
import json
import os
import random
import re
import string
import sys
import threading
import time
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.RLock()  # re-entered: create -> ksef_send
STATE = {
    "invoices": [],
    "numbers": {},  # (kind, year) -> last number
    "creates": 0,
    "ksef_sends": 0,
    "requests": [],
    "cfg": {"fault": "", "fault_count": 0, "hang_s": 5.0, "fault_on": "create",
            "ksef_mode": "ok", "ksef_delay_s": 0.3},
}
ARGS = None
KSEF_KINDS = ("vat", "correction", "vat_mp", "vat_margin", "wdt", "export_products",
              "advance", "final")
# GUESS: the numbering pattern of each kind (patterns are set in the web UI; the docs show
# "17/05/2026" for a VAT invoice); the counter of a kind resets every year.
PREFIX = {"vat": "", "proforma": "PRO ", "advance": "ZAL ", "final": "KON ",
          "correction": "KOR "}
TAXES = ("23", "8", "5", "0", "zw", "np", "oo", "disabled")


class Drop(Exception):
    pass


def dec(v):
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


def money(d):
    return str(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def nip_ok(n):
    if not re.fullmatch(r"\d{10}", n or ""):
        return False
    w = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    return sum(int(n[i]) * w[i] for i in range(9)) % 11 == int(n[9])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakturownia-fake/1.0"

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
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        # [doc] {"code":"error","message":"Not found"} / {"message":{"field":["..."]}}
        self.send_json(status, {"code": "error", "message": message})

    # --- faults ---
    def take_fault(self, op):
        with LOCK:
            c = STATE["cfg"]
            if c.get("fault") and int(c.get("fault_count") or 0) > 0 and \
                    (c.get("fault_on") or "create") == op:
                c["fault_count"] = int(c["fault_count"]) - 1
                return c["fault"], float(c.get("hang_s") or 5.0)
        return "", 0.0

    def answer_after_commit(self, op, status, obj):
        fault, hang = self.take_fault(op)
        if fault == "drop":
            raise Drop()
        if fault == "500":
            page = b"<html><body><h1>We're sorry, but something went wrong.</h1></body></html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if fault in ("timeout", "hang"):
            time.sleep(hang if fault == "timeout" else 3600.0)
        self.send_json(status, obj)

    # --- routing ---
    def route(self, method):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        with LOCK:
            STATE["requests"].append(method + " " + re.sub(r"api_token=[^&]*", "api_token=*",
                                                           self.path))
        if u.path.startswith("/__fake/"):
            return self.fake_route(method, u.path)
        body = None
        if method in ("POST", "PUT"):
            raw = self.read_body()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                # GUESS: a body that is not JSON
                return self.error(400, "Invalid JSON")
            if not isinstance(body, dict):
                return self.error(400, "Invalid JSON")
        tok = (body or {}).get("api_token") or q.get("api_token")
        auth = self.headers.get("Authorization") or ""
        if not tok and auth.startswith("Bearer "):
            tok = auth[7:]
        if tok != ARGS.token:
            # GUESS: the 401 body is not documented
            return self.error(401, "You must be logged in to gain access to this site")
        p = u.path
        try:
            m = re.fullmatch(r"/invoices/(\d+)\.(json|pdf)", p)
            if method == "POST" and p == "/invoices.json":
                return self.create(body)
            if method == "GET" and p == "/invoices.json":
                return self.list(q)
            if method == "POST" and p == "/invoices/cancel.json":
                return self.cancel(body)
            if m and method == "GET":
                inv = self.find(int(m.group(1)))
                if not inv:
                    return self.error(404, "Not found")
                if m.group(2) == "pdf":
                    return self.pdf(inv)
                if q.get("send_to_ksef") in ("yes", "1", "true"):
                    self.ksef_send(inv)
                self.ksef_tick(inv)
                return self.send_json(200, self.view(inv))
            m = re.fullmatch(r"/invoices/(\d+)/(send_by_email|change_status)\.json", p)
            if m and method == "POST":
                inv = self.find(int(m.group(1)))
                if not inv:
                    return self.error(404, "Not found")
                if m.group(2) == "send_by_email":
                    return self.email(inv, q)
                st = q.get("status") or (body or {}).get("status")
                if st not in ("issued", "sent", "paid", "partial", "rejected"):
                    return self.error(422, {"status": ["is not included in the list"]})
                inv["status"] = st
                return self.send_json(200, {"code": "success"})  # GUESS: the answer body
            return self.error(404, "Not found")
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
                return self.send_json(200, {"invoices": STATE["invoices"],
                                            "creates": STATE["creates"],
                                            "ksef_sends": STATE["ksef_sends"],
                                            "requests": STATE["requests"][-300:]})
        if path == "/__fake/config" and method == "POST":
            try:
                body = json.loads(self.read_body() or b"{}")
            except ValueError:
                body = {}
            with LOCK:
                STATE["cfg"].update(body)
                return self.send_json(200, STATE["cfg"])
        self.error(404, "no such fake control")

    # --- helpers ---
    def find(self, iid):
        for inv in STATE["invoices"]:
            if inv["id"] == iid:
                return inv
        return None

    def view(self, inv):
        return {k: v for k, v in inv.items() if not k.startswith("_")}

    def ksef_send(self, inv):
        if inv["kind"] not in KSEF_KINDS:
            inv["gov_status"] = "not_applicable"
            return
        with LOCK:
            STATE["ksef_sends"] += 1
        inv["gov_status"] = "processing"
        inv["gov_error_messages"] = None
        inv["_ksef_at"] = time.monotonic() + float(STATE["cfg"].get("ksef_delay_s") or 0)
        inv["_ksef_sends"] = inv.get("_ksef_sends", 0) + 1

    def ksef_tick(self, inv):
        """KSeF answers once its delay has passed (fakturownia polls KSeF itself)."""
        if inv.get("gov_status") != "processing" or time.monotonic() < inv.get("_ksef_at", 0):
            return
        mode = STATE["cfg"].get("ksef_mode") or "ok"
        if mode == "send_error":
            inv["gov_status"] = "send_error"
            # GUESS: wording of a KSeF refusal as fakturownia passes it on
            inv["gov_error_messages"] = ["Błąd weryfikacji semantyki dokumentu faktury: "
                                         "nieprawidłowy NIP nabywcy"]
            return
        if mode == "server_error_once" and inv["_ksef_sends"] == 1:
            inv["gov_status"] = "server_error"
            inv["gov_error_messages"] = ["KSeF: usługa chwilowo niedostępna"]
            return
        inv["gov_status"] = "ok"
        inv["gov_error_messages"] = None
        inv["gov_send_date"] = datetime.now().isoformat(timespec="seconds")
        inv["gov_id"] = "%s-%s-%s" % (ARGS.nip, inv["issue_date"].replace("-", ""),
                                      "".join(random.choice("0123456789ABCDEF")
                                              for _ in range(12)) + "-" + "%02X" % (inv["id"] % 256))

    # --- handlers ---
    def validate(self, inv, ksef):
        errs = {}

        def err(field, msg):
            errs.setdefault(field, []).append(msg)
        kind = inv.get("kind") or "vat"
        pos = inv.get("positions")
        if not isinstance(pos, list) or not pos:
            err("positions", "- nie może być puste")
            return errs
        for i, p in enumerate(pos):
            if not isinstance(p, dict):
                err("positions", "- nieprawidłowa pozycja")
                continue
            if not str(p.get("name") or "").strip():
                err("positions.name", "- nie może być puste")
            elif ksef and len(p["name"]) > 256:
                err("positions.name", "- pole jest za długie (maksymalna ilość znaków: 256)")
            if dec(p.get("quantity")) is None:
                err("positions.quantity", "- nie jest liczbą")
            if str(p.get("tax")) not in TAXES:
                err("positions.tax", "- nieprawidłowa stawka")
            if dec(p.get("total_price_gross")) is None:
                err("positions.total_price_gross", "- nie jest liczbą")
        if ksef:
            if "buyer_company" not in inv:
                err("buyer_company", "- musi być podane dla KSeF")
            elif inv.get("buyer_company"):
                if not str(inv.get("buyer_name") or "").strip():
                    err("buyer_name", "- nie może być puste")
                tk = inv.get("buyer_tax_no_kind") or ""
                if tk not in ("", "nip_ue", "other", "empty", "nip_with_id"):
                    err("buyer_tax_no_kind", "- nieprawidłowa wartość")
                tax_no = inv.get("buyer_tax_no") or ""
                if tk == "" and not nip_ok(tax_no):
                    err("buyer_tax_no", "- nieprawidłowy NIP")
                if tk == "nip_ue" and not re.fullmatch(r"[A-Z]{2}[0-9A-Z+*]{2,12}", tax_no):
                    err("buyer_tax_no", "- nieprawidłowy numer VAT UE")
            else:
                if not inv.get("buyer_first_name"):
                    err("buyer_first_name", "- nie może być puste")
                if not inv.get("buyer_last_name"):
                    err("buyer_last_name", "- nie może być puste")
            if len(inv.get("buyer_email") or "") > 255:
                err("buyer_email", "- pole jest za długie")
        if kind == "correction":
            reason = inv.get("correction_reason") or ""
            if not reason:
                err("correction_reason", "- nie może być puste")
            elif len(reason) > 256:
                err("correction_reason", "- pole jest za długie (maksymalna ilość znaków: 256)")
            orig = self.find(int(inv.get("invoice_id") or 0)) if str(
                inv.get("invoice_id") or "").isdigit() else None
            if not orig:
                err("invoice_id", "- faktura korygowana nie istnieje")
                return errs
            if orig["kind"] == "canceled":
                err("invoice_id", "- faktura korygowana jest anulowana")
            if ksef:
                for f in ("buyer_tax_no", "buyer_company", "buyer_tax_no_kind"):
                    if f in inv and str(inv.get(f) or "") != str(orig.get(f) or ""):
                        err(f, "- nie może różnić się od faktury korygowanej")
            left = self.left_of(orig)
            for p in pos:
                if not isinstance(p, dict):
                    continue
                b, a = p.get("correction_before_attributes"), p.get("correction_after_attributes")
                if p.get("kind") != "correction" or not isinstance(b, dict) or \
                        not isinstance(a, dict):
                    err("positions", "- pozycja korekty wymaga stanu przed i po")
                    continue
                q, g = dec(p.get("quantity")), dec(p.get("total_price_gross"))
                bq, bg = dec(b.get("quantity")), dec(b.get("total_price_gross"))
                aq, ag = dec(a.get("quantity")), dec(a.get("total_price_gross"))
                if None in (q, g, bq, bg, aq, ag) or bq + q != aq or bg + g != ag:
                    err("positions", "- stan po korekcie nie zgadza się z różnicą")
                    continue
                cur = left.get(b.get("name"))
                if cur is None or cur[0] != bq or cur[1] != bg:
                    err("positions", "- stan przed korektą nie zgadza się z fakturą (%s)"
                        % b.get("name"))
                elif aq < 0 or ag < 0:
                    err("positions", "- ilość po korekcie ujemna")
        if kind == "final":
            ids = inv.get("invoice_ids") or []
            # GUESS: a final invoice names the advances it settles in invoice_ids
            for i in ids if isinstance(ids, list) else [None]:
                a = self.find(int(i)) if str(i).isdigit() else None
                if not a or a["kind"] != "advance":
                    err("invoice_ids", "- faktura zaliczkowa nie istnieje")
        return errs

    def left_of(self, orig):
        """name -> (quantity, gross) of each line of orig after its corrections."""
        left = {p["name"]: [dec(p["quantity"]), dec(p["total_price_gross"])]
                for p in orig["positions"]}
        for c in STATE["invoices"]:
            if c["kind"] == "correction" and c.get("invoice_id") == orig["id"]:
                for p in c["positions"]:
                    if p["name"] in left:
                        left[p["name"]][0] += dec(p["quantity"])
                        left[p["name"]][1] += dec(p["total_price_gross"])
        return {k: (v[0], v[1]) for k, v in left.items()}

    def create(self, b):
        inv_in = b.get("invoice")
        if not isinstance(inv_in, dict):
            return self.error(422, {"invoice": ["- nie może być puste"]})
        kind = inv_in.get("kind") or "vat"
        send = b.get("gov_save_and_send") in (True, "true", "1", 1) or \
            inv_in.get("gov_save_and_send") in (True, "true", "1", 1) or \
            (ARGS.auto_send and inv_in.get("buyer_company"))
        ksef = bool(send) and kind in KSEF_KINDS
        with LOCK:
            errs = self.validate(inv_in, ksef)
            oid = inv_in.get("oid")
            if not errs and oid and inv_in.get("oid_unique") in ("yes", True, "true"):
                if any(i.get("oid") == oid for i in STATE["invoices"]):
                    # GUESS: the field and wording of the oid clash
                    errs = {"oid": ["- jest już zajęte"]}
            if errs:
                return self.error(422, errs)
            today = inv_in.get("issue_date") or date.today().isoformat()
            year, month = today[:4], today[5:7]
            key = (kind, year)
            n = STATE["numbers"].get(key, 0) + 1
            STATE["numbers"][key] = n
            number = inv_in.get("number") or "%s%d/%s/%s" % (PREFIX.get(kind, ""), n, month, year)
            iid = 460000000 + len(STATE["invoices"]) + 1
            positions, net_sum, gross_sum = [], Decimal(0), Decimal(0)
            for i, p in enumerate(inv_in["positions"]):
                g = dec(p["total_price_gross"])
                q = dec(p["quantity"])
                t = str(p.get("tax"))
                rate = Decimal(t) / 100 if t.isdigit() else Decimal(0)
                net = (g / (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                out = {"id": iid * 100 + i, "name": p["name"], "code": p.get("code") or "",
                       "quantity": str(q), "quantity_unit": p.get("quantity_unit") or "szt",
                       "tax": t, "total_price_gross": money(g), "total_price_net": money(net),
                       "price_gross": money(g / q) if q else "0.00",
                       "price_net": money(net / q) if q else "0.00",
                       "kind": p.get("kind") or ""}
                for ba in ("correction_before_attributes", "correction_after_attributes"):
                    if isinstance(p.get(ba), dict):
                        out[ba] = p[ba]
                positions.append(out)
                net_sum += net
                gross_sum += g
            inv = {
                "id": iid, "number": number, "kind": kind, "status": "issued", "income": "1",
                "issue_date": today, "sell_date": inv_in.get("sell_date") or today,
                "payment_to": inv_in.get("payment_to") or today,
                "payment_type": inv_in.get("payment_type") or "transfer",
                "currency": inv_in.get("currency") or "PLN", "lang": inv_in.get("lang") or "pl",
                "price_net": money(net_sum), "price_tax": money(gross_sum - net_sum),
                "price_gross": money(gross_sum), "oid": oid or "",
                "token": "".join(random.choice(string.ascii_letters + string.digits)
                                 for _ in range(21)),
                "client_id": 900 + len(STATE["invoices"]),
                "department_id": inv_in.get("department_id"),
                "buyer_name": inv_in.get("buyer_name") or "",
                "buyer_company": bool(inv_in.get("buyer_company")),
                "buyer_tax_no": inv_in.get("buyer_tax_no") or "",
                "buyer_tax_no_kind": inv_in.get("buyer_tax_no_kind") or "",
                "buyer_email": inv_in.get("buyer_email") or "",
                "description": inv_in.get("description") or "",
                "invoice_id": int(inv_in["invoice_id"]) if kind == "correction" else None,
                "from_invoice_id": inv_in.get("from_invoice_id"),
                "invoice_ids": inv_in.get("invoice_ids"),
                "correction_reason": inv_in.get("correction_reason"),
                "cancel_reason": None,
                "gov_status": None if kind in KSEF_KINDS else "not_applicable",
                "gov_id": None, "gov_error_messages": None, "gov_send_date": None,
                "gov_corrected_invoice_number": None,
                "positions": positions,
            }
            if kind == "correction":
                orig = self.find(inv["invoice_id"])
                inv["gov_corrected_invoice_number"] = orig.get("gov_id")
            if ksef:
                self.ksef_send(inv)
            STATE["invoices"].append(inv)
            STATE["creates"] += 1
            out = self.view(inv)
        self.answer_after_commit("create", 201, out)

    def list(self, q):
        try:
            page = max(1, int(q.get("page") or 1))
            per = min(100, max(1, int(q.get("per_page") or 25)))  # GUESS: default 25 (the CLI's)
        except ValueError:
            return self.error(422, {"page": ["- nie jest liczbą"]})
        with LOCK:
            rows = list(STATE["invoices"])
        if q.get("oid"):
            # GUESS: the oid filter's semantics are not documented; the fake matches a
            # substring, so a client that trusts the filter without comparing fails
            rows = [i for i in rows if q["oid"] in (i.get("oid") or "")]
        if q.get("kind"):
            rows = [i for i in rows if i["kind"] == q["kind"]]
        if q.get("number"):
            rows = [i for i in rows if i["number"] == q["number"]]
        for i in rows:
            self.ksef_tick(i)
        rows = rows[(page - 1) * per: page * per]
        self.send_json(200, [self.view(i) for i in rows])

    def cancel(self, b):
        iid = b.get("cancel_invoice_id")
        with LOCK:
            inv = self.find(int(iid)) if str(iid or "").isdigit() else None
            if not inv:
                return self.error(404, "Not found")
            self.ksef_tick(inv)
            if inv.get("gov_status") in ("ok", "demo_ok"):
                # [doc] after KSeF ok the only "cancel" is a correction; GUESS: the wording
                return self.error(422, {"base": ["Faktura przyjęta w KSeF nie może zostać "
                                                 "anulowana - wystaw korektę"]})
            if inv["kind"] == "canceled":
                return self.error(422, {"base": ["Faktura jest już anulowana"]})  # GUESS
            inv["kind"] = "canceled"
            inv["cancel_reason"] = b.get("cancel_reason") or ""
        self.answer_after_commit("cancel", 200, {"code": "success",
                                                 "message": "Faktura została anulowana"})

    def email(self, inv, q):
        if inv["kind"] in KSEF_KINDS and inv.get("buyer_company") and \
                inv.get("gov_status") not in (None, "not_applicable") and not inv.get("gov_id"):
            # [doc] HTTP 200 with "status":"error"
            return self.send_json(200, {"message": "Faktura nie może zostać wysłana - brak "
                                                   "numeru KSeF", "status": "error"})
        to = q.get("email_to") or inv.get("buyer_email") or ""
        inv["_emailed"] = inv.get("_emailed", 0) + 1
        self.send_json(200, {"status": "ok", "message": "Wysłano fakturę do %s" % to})

    def pdf(self, inv):
        text = "Faktura %s %s KSeF %s" % (inv["kind"], inv["number"], inv.get("gov_id") or "-")
        body = ("%%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%% %s\n%%%%EOF\n" % text).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--token", required=True)
    ap.add_argument("--nip", default="5260250274")
    ap.add_argument("--auto-send", action="store_true",
                    help="the account's gov_auto_send_mode sends company invoices by itself")
    ap.add_argument("--port-file")
    ARGS = ap.parse_args()
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
