#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""shipx_fake.py - a local fake of the InPost ShipX API for packline's tests (stdlib only).

Faithful to the parts of the contract the agent relies on (research/http-apis.md section 4):
  * Authorization: Bearer <token>; a wrong or missing token gets 401 with the error JSON;
  * POST /v1/organizations/{org}/shipments validates like ShipX (locker services need
    receiver email + phone and custom_attributes.target_point, courier ones an address; parcels
    need a template or dimensions) and answers 201 with the shipment, status "created",
    tracking_number null;
  * the shipment is confirmed ASYNCHRONOUSLY: each GET /v1/shipments/{id} moves it one step
    created -> offers_prepared -> offer_selected -> confirmed (after `confirm_after` reads); the
    tracking number appears with "confirmed";
  * GET /v1/shipments/{id}/label?format=Pdf|Zpl|Epl&type=normal|A6|dpi300 gives the label only
    from "confirmed" on, else 400 invalid_action; dpi300 only for ZPL;
  * GET /v1/organizations/{org}/shipments lists with the collection envelope
    {href,count,page,per_page,items} and the filters id, tracking_number, status, service,
    receiver_email, receiver_phone, created_at_gteq, created_at_lteq, external_customer_id (no
    reference filter: the client matches the reference itself);
  * DELETE /v1/shipments/{id} cancels before dispatch;
  * every error body is {"status":N,"error":"key","message":"...","details":{...}}.

Test controls (not ShipX): GET /__fake/stats -> {"creates":N,"shipments":[...],"requests":[...]};
POST /__fake/config with JSON {"create_delay":s, "confirm_after":n, "label_bytes":n,
"fail_creates":[status,...], "created_at_offset":s}: change behaviour at run time.

usage: shipx_fake.py --token T --org ORG [--port-file F] [--confirm-after N]
Listens on 127.0.0.1 on a free port and writes the port number to --port-file (or stdout).
"""
import argparse
import json
import os
import re
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {
    "next_id": 1000000,
    "shipments": {},   # id -> dict
    "reads": {},       # id -> GET count
    "creates": 0,
    "requests": [],
    "cfg": {"create_delay": 0.0, "confirm_after": 3, "label_bytes": 0, "fail_creates": [],
            "created_at_offset": 0},
}
ARGS = None
STEPS = ["created", "offers_prepared", "offer_selected", "confirmed"]
LOCKER_SERVICES = ("inpost_locker_standard", "inpost_locker_allegro", "inpost_locker_pass_thru")
COURIER_SERVICES = ("inpost_courier_standard", "inpost_courier_express_1000",
                    "inpost_courier_express_1200", "inpost_courier_express_1700",
                    "inpost_courier_c2c", "inpost_courier_palette")
LABEL_OK = ("confirmed", "dispatched_by_sender", "collected_from_sender", "taken_by_courier",
            "adopted_at_source_branch", "sent_from_source_branch", "delivered")


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(s):
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def public(sh):
    out = {k: v for k, v in sh.items() if not k.startswith("_")}
    out["created_at"] = iso(sh["_created"])
    out["updated_at"] = iso(sh["_updated"])
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shipx-fake/1.0"

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    # A request body the handler did not read (a 401 before the JSON is
    # looked at) is drained before the reply, as a real server does: the
    # client keeps the connection alive, and leftover body bytes would be
    # read as the next request line.
    def parse_request(self):
        self._body_read = False
        return super().parse_request()

    def send_response(self, code, message=None):
        if not self._body_read:
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            self._body_read = True
        super().send_response(code, message)

    # --- replies ---
    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        rid = self.headers.get("X-Request-ID")
        if rid:
            self.send_header("X-Request-ID", rid)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, key, message, details=None):
        self.send_json(status, {"status": status, "error": key, "message": message,
                                "details": details or {}})

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n and not self._body_read else b""
        self._body_read = True
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def authorized(self):
        if self.headers.get("Authorization") != "Bearer " + ARGS.token:
            self.error(401, "token_invalid", "Access token is missing or invalid")
            return False
        return True

    def record(self):
        with LOCK:
            STATE["requests"].append(self.command + " " + self.path)

    # --- routes ---
    def do_GET(self):
        self.record()
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        if u.path == "/__fake/stats":
            with LOCK:
                self.send_json(200, {"creates": STATE["creates"],
                                     "shipments": [public(s) for s in STATE["shipments"].values()],
                                     "requests": STATE["requests"]})
            return
        if not self.authorized():
            return
        m = re.fullmatch(r"/v1/shipments/(\d+)", u.path)
        if m:
            return self.get_shipment(int(m.group(1)))
        m = re.fullmatch(r"/v1/shipments/(\d+)/label", u.path)
        if m:
            return self.get_label(int(m.group(1)), q)
        m = re.fullmatch(r"/v1/organizations/([^/]+)/shipments", u.path)
        if m:
            return self.list_shipments(m.group(1), q)
        self.error(404, "resource_not_found", "Resource not found")

    def do_POST(self):
        self.record()
        u = urlsplit(self.path)
        if u.path == "/__fake/config":
            body = self.body_json() or {}
            with LOCK:
                STATE["cfg"].update(body)
                self.send_json(200, STATE["cfg"])
            return
        if not self.authorized():
            return
        m = re.fullmatch(r"/v1/organizations/([^/]+)/shipments", u.path)
        if m:
            return self.create(m.group(1))
        self.error(404, "resource_not_found", "Resource not found")

    def do_DELETE(self):
        self.record()
        if not self.authorized():
            return
        m = re.fullmatch(r"/v1/shipments/(\d+)", urlsplit(self.path).path)
        if not m:
            return self.error(404, "resource_not_found", "Resource not found")
        with LOCK:
            sh = STATE["shipments"].get(int(m.group(1)))
            if not sh:
                return self.error(404, "resource_not_found", "Shipment not found")
            if sh["status"] not in STEPS:
                return self.error(400, "invalid_action", "Shipment cannot be cancelled now")
            sh["status"] = "canceled"
            sh["_updated"] = time.time()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- handlers ---
    def create(self, org):
        if org != ARGS.org:
            return self.error(403, "access_forbidden", "No access to this organization")
        b = self.body_json()
        if not isinstance(b, dict):
            return self.error(400, "invalid_json", "Request body is not valid JSON")
        details = validate(b)
        if details:
            return self.error(400, "validation_failed", "There are some validation errors",
                              details)
        with LOCK:
            cfg = dict(STATE["cfg"])
            fail = cfg["fail_creates"].pop(0) if cfg["fail_creates"] else None
            STATE["cfg"]["fail_creates"] = cfg["fail_creates"]
        if fail:
            return self.error(int(fail), "internal_error" if int(fail) >= 500 else "error",
                              "Simulated failure")
        now = time.time() + cfg.get("created_at_offset", 0)
        with LOCK:
            sid = STATE["next_id"]
            STATE["next_id"] += 1
            STATE["creates"] += 1
            sh = {
                "href": "https://api-shipx-pl.easypack24.net/v1/shipments/%d" % sid,
                "id": sid, "status": "created", "tracking_number": None,
                "service": b["service"], "reference": b.get("reference"),
                "external_customer_id": b.get("external_customer_id"),
                "parcels": [dict(p, id=sid * 10 + i, tracking_number=None)
                            for i, p in enumerate(b["parcels"])],
                "custom_attributes": b.get("custom_attributes", {}),
                "sender": b.get("sender"), "receiver": b["receiver"],
                "cod": b.get("cod"), "insurance": b.get("insurance"),
                "additional_services": b.get("additional_services", []),
                "offers": [], "selected_offer": None, "transactions": [],
                "_created": now, "_updated": now,
            }
            STATE["shipments"][sid] = sh
            STATE["reads"][sid] = 0
            out = public(sh)
        # The shipment exists now; a slow answer makes the client time out AFTER the creation,
        # which is the case the agent must survive without making a second shipment.
        if cfg["create_delay"]:
            time.sleep(float(cfg["create_delay"]))
        try:
            self.send_json(201, out)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def get_shipment(self, sid):
        with LOCK:
            sh = STATE["shipments"].get(sid)
            if not sh:
                return self.error(404, "resource_not_found", "Shipment not found")
            STATE["reads"][sid] += 1
            if sh["status"] in STEPS[:-1]:
                k = min(STATE["reads"][sid] * 3 // max(1, STATE["cfg"]["confirm_after"]), 3)
                if STEPS.index(sh["status"]) < k:
                    sh["status"] = STEPS[k]
                    sh["_updated"] = time.time()
                if sh["status"] == "confirmed":
                    trk = "6%023d" % (sid * 7919 % 10**20)
                    sh["tracking_number"] = trk
                    for p in sh["parcels"]:
                        p["tracking_number"] = trk
            out = public(sh)
        self.send_json(200, out)

    def get_label(self, sid, q):
        fmt = q.get("format", ["Pdf"])[0]
        typ = q.get("type", [None])[0]
        with LOCK:
            sh = STATE["shipments"].get(sid)
            if not sh:
                return self.error(404, "resource_not_found", "Shipment not found")
            sh = dict(sh)
            extra = STATE["cfg"]["label_bytes"]
        if fmt not in ("Pdf", "Zpl", "Epl"):
            return self.error(400, "validation_failed", "There are some validation errors",
                              {"format": ["invalid"]})
        if typ is None:
            typ = "A6" if sh["service"] in COURIER_SERVICES else "normal"
        if typ not in ("normal", "A6", "dpi300") or (typ == "dpi300" and fmt != "Zpl"):
            return self.error(400, "validation_failed", "There are some validation errors",
                              {"type": ["invalid"]})
        if sh["status"] not in LABEL_OK:
            return self.error(400, "invalid_action",
                              "Shipment is not confirmed yet; the label is not available")
        if fmt != "Zpl":
            body = b"%PDF-1.4\n% fake label\n" if fmt == "Pdf" else b"N\nP1\n"
            ctype = "application/pdf" if fmt == "Pdf" else "application/octet-stream"
        else:
            dpmm = 12 if typ == "dpi300" else 8
            w, h = 100 * dpmm, 150 * dpmm
            trk = sh["tracking_number"]
            tp = sh["custom_attributes"].get("target_point", "")
            r = sh["receiver"]
            name = (r.get("company_name") or
                    " ".join(x for x in (r.get("first_name"), r.get("last_name")) if x))
            body = ("^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n"
                    "^FO%d,%d^A0N,%d,%d^FDInPost %s^FS\n"
                    "^FO%d,%d^A0N,%d,%d^FD%s^FS\n"
                    "^FO%d,%d^A0N,%d,%d^FD%s^FS\n"
                    "^FO%d,%d^BY%d^BCN,%d,Y,N,N^FD>;%s^FS\n"
                    "^FO%d,%d^A0N,%d,%d^FDRef: %s^FS\n"
                    "^XZ\n" % (
                        w, h,
                        5 * dpmm, 5 * dpmm, 8 * dpmm, 8 * dpmm, sh["service"],
                        5 * dpmm, 20 * dpmm, 6 * dpmm, 6 * dpmm, name,
                        5 * dpmm, 30 * dpmm, 6 * dpmm, 6 * dpmm, tp,
                        5 * dpmm, 50 * dpmm, dpmm // 4, 25 * dpmm, trk,
                        5 * dpmm, 90 * dpmm, 5 * dpmm, 5 * dpmm, sh["reference"] or "",
                    )).encode()
            if extra:
                body = body[:-4] + ("^FX" + "x" * int(extra) + "^FS\n^XZ\n").encode()
            ctype = "text/plain; charset=utf-8"  # CONTRACT-GUESS: the docs name only the file
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Disposition",
                         'attachment; filename="label.%s"' % fmt.lower())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def list_shipments(self, org, q):
        if org != ARGS.org:
            return self.error(403, "access_forbidden", "No access to this organization")
        try:
            page = int(q.get("page", ["1"])[0])
            per_page = min(int(q.get("per_page", ["25"])[0]), 100)
        except ValueError:
            return self.error(400, "validation_failed", "There are some validation errors",
                              {"page": ["invalid"]})
        gteq = parse_iso(q["created_at_gteq"][0]) if "created_at_gteq" in q else None
        lteq = parse_iso(q["created_at_lteq"][0]) if "created_at_lteq" in q else None
        with LOCK:
            items = sorted(STATE["shipments"].values(), key=lambda s: -s["id"])
            items = [s for s in items if match(s, q, gteq, lteq)]
            count = len(items)
            sel = [public(s) for s in items[(page - 1) * per_page:page * per_page]]
        self.send_json(200, {"href": self.path, "count": count, "page": page,
                             "per_page": per_page, "items": sel})


def match(s, q, gteq, lteq):
    r = s["receiver"]
    if "id" in q and str(s["id"]) not in q["id"][0].split(","):
        return False
    for key, val in (("tracking_number", s["tracking_number"]), ("status", s["status"]),
                     ("service", s["service"]), ("receiver_email", r.get("email")),
                     ("receiver_phone", r.get("phone")),
                     ("external_customer_id", s.get("external_customer_id"))):
        if key in q and q[key][0] != (val or ""):
            return False
    if gteq is not None and s["_created"] < gteq:
        return False
    if lteq is not None and s["_created"] > lteq:
        return False
    return True


def validate(b):
    """ShipX-style field errors; {} when valid."""
    d = {}
    svc = b.get("service")
    if svc not in LOCKER_SERVICES + COURIER_SERVICES:
        d["service"] = ["invalid"]
    r = b.get("receiver")
    if not isinstance(r, dict):
        d["receiver"] = ["required"]
        r = {}
    rd = {}
    if svc in LOCKER_SERVICES:
        if not r.get("email"):
            rd["email"] = ["required"]
        if not r.get("phone"):
            rd["phone"] = ["required"]
        elif not re.fullmatch(r"\+?\d{9,15}", r["phone"]):
            rd["phone"] = ["invalid"]
        tp = (b.get("custom_attributes") or {}).get("target_point")
        if not tp:
            d["custom_attributes"] = [{"target_point": ["required"]}]
    elif svc in COURIER_SERVICES:
        if not (r.get("company_name") or (r.get("first_name") and r.get("last_name"))):
            rd["name"] = ["required"]
        a = r.get("address") or {}
        ad = {k: ["required"] for k in ("street", "building_number", "city", "post_code",
                                        "country_code") if not a.get(k)}
        if a.get("post_code") and not re.fullmatch(r"\d{2}-\d{3}", a["post_code"]):
            ad["post_code"] = ["invalid"]
        if ad:
            rd["address"] = [ad]
    if rd:
        d["receiver"] = [rd]
    ps = b.get("parcels")
    if not isinstance(ps, list) or not 1 <= len(ps) <= 1000:
        d["parcels"] = ["invalid"]
    else:
        for i, p in enumerate(ps):
            if not isinstance(p, dict) or not (p.get("template") in ("small", "medium", "large")
                                               or p.get("dimensions")):
                d.setdefault("parcels", []).append({str(i): ["template or dimensions"]})
    ref = b.get("reference")
    if ref is not None and (not isinstance(ref, str) or len(ref) > 100):
        d["reference"] = ["invalid"]
    return d


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--token", required=True)
    ap.add_argument("--org", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--confirm-after", type=int, default=3)
    ARGS = ap.parse_args()
    STATE["cfg"]["confirm_after"] = ARGS.confirm_after
    # Leave with the test that started us, even when it crashed without stopping us.
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
