#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A real SMTP server for the e-mail tests: aiosmtpd (Debian python3-aiosmtpd).

Run with /usr/bin/python3 (Debian's interpreter sees dist-packages):
  smtp_sink.py DIR [--tls CERT KEY] [--implicit] [--user U --password P]

STARTTLS is required when --tls is given (aiosmtpd's require_starttls), AUTH
only after TLS (auth_require_tls) and required for MAIL when --user is set.
Every accepted message is saved as DIR/NNNN.eml and a line
"<Message-ID> <rcpt>" is appended to DIR/ids.log, so a test counts
deliveries per document and recipient. The port is written to DIR/port.

Faults, read from DIR/mode at each message (a test writes it; GUESS: the
reply texts are typical of Postfix, not copied from a provider):
  defer N     the next N messages get "451 4.3.0 Try again later" after DATA
  slow MS     save the message, then sleep MS before answering (kill tests)
  (absent)    accept
A recipient whose local part starts with "reject" gets
"550 5.1.1 <addr>: Recipient address rejected: User unknown".
"""
import argparse
import email
import os
import pathlib
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
ap.add_argument("--implicit", action="store_true")
ap.add_argument("--user")
ap.add_argument("--password")
args = ap.parse_args()
out = pathlib.Path(args.dir)
out.mkdir(parents=True, exist_ok=True)
count = [len(list(out.glob("*.eml")))]


def mode():
    try:
        return (out / "mode").read_text().split()
    except FileNotFoundError:
        return []


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        m = mode()
        if m[:1] == ["defer"] and int(m[1]) > 0:
            (out / "mode").write_text("defer %d\n" % (int(m[1]) - 1))
            return "451 4.3.0 Try again later"
        data = envelope.original_content or envelope.content
        msg = email.message_from_bytes(data)
        count[0] += 1
        name = out / ("%06d.eml" % count[0])
        tmp = out / (".%06d.tmp" % count[0])
        tmp.write_bytes(data)
        os.rename(tmp, name)
        with open(out / "ids.log", "a") as f:
            for r in envelope.rcpt_tos:
                f.write("%s %s\n" % (msg.get("Message-ID", "-"), r))
        with open(out / "auth.log", "a") as f:
            f.write("%s tls=%s auth=%s\n" % (name.name, session.ssl is not None,
                                             session.authenticated))
        if m[:1] == ["slow"]:
            # queued, then slow to say so (a real MTA keeps what it queued
            # when the client goes away): blocking, so a client that dies
            # now cannot cancel the save
            time.sleep(int(m[1]) / 1000.0)
        return "250 2.0.0 Ok: queued as %06d" % count[0]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user
          and auth_data.password.decode() == args.password)
    return AuthResult(success=ok)


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kw = {}
if args.tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tls[0], args.tls[1])
    if args.implicit:
        kw["ssl_context"] = ctx
    else:
        kw["tls_context"] = ctx
        kw["require_starttls"] = True
if args.user:
    kw["authenticator"] = authenticator
    kw["auth_required"] = True
    kw["auth_require_tls"] = bool(args.tls)
c = Controller(Sink(), hostname="127.0.0.1", port=port, server_hostname="localhost", **kw)
c.start()
(out / ".port").write_text(str(port))
os.rename(out / ".port", out / "port")
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    c.stop()
    sys.exit(0)
