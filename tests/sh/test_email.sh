#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_email.sh - the document to the buyer by e-mail, through the real binary.
#
# A REAL SMTP server (aiosmtpd, tests/fakes/smtp_sink.py, run with
# /usr/bin/python3) with STARTTLS required and AUTH, its certificate signed by
# a test CA made here with openssl. Checked:
#   - config: a password in a file readable by others, `tls = none` to a
#     remote host, no sender: refused;
#   - no server: the .eml is written to the outbox, whole, parsed by Python;
#   - STARTTLS + AUTH: one message per document, its structure (mixed ->
#     alternative text+html, the PDF attached) and the EXACT attachment bytes,
#     the Polish subject and names decoded, the deterministic Message-ID,
#     HTML-escaped values; a second run sends nothing;
#   - TLS verification: a server whose CA we do not trust gets nothing;
#   - 451 then success: deferred, then sent once;
#   - 550 for the recipient: failed with the server's text;
#   - 50 SIGKILLs while sending: no (Message-ID, recipient) twice at the
#     sink, every job done or held; a held one is resolved by the operator
#     from what the sink has, and then every e-mail is there exactly once.
set -u

P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?PL_SRC not set}
PY=/usr/bin/python3
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
}
check() { if eval "$1"; then ok; else bad "$2"; fi; }

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "test_email: python3-aiosmtpd is not installed (scripts/bootstrap-packages.txt)"
	exit 1
fi

T=$(mktemp -d /tmp/test_email.XXXXXX)
SINKS=()
cleanup() {
	for s in "${SINKS[@]}"; do kill "$s" 2>/dev/null && wait "$s" 2>/dev/null; done
	jobs -p | xargs -r kill -9 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${PL_EMAIL_KEEP:-}" ] && trap - EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# ---- a test CA and the server's certificate -----------------------------------
(
	cd "$T" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj /CN=packline-test-CA
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
		-days 2 -extfile ext
	# another CA, which signed nothing of the server's
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
		-subj /CN=other-CA
) >/dev/null 2>&1
check '[ -s "$T/srv.pem" ]' "openssl made the test CA and certificate"

# sink DIR: start a STARTTLS+AUTH sink saving into DIR; sets SINK_PORT
sink() {
	local dir=$1
	mkdir -p "$dir"
	$PY "$SRC/tests/fakes/smtp_sink.py" "$dir" --tls "$T/srv.pem" "$T/srv.key" \
		--user shop --password 's3kret' >"$dir.log" 2>&1 &
	SINKS+=($!)
	for _ in $(seq 1 500); do [ -s "$dir/port" ] && break; sleep 0.02; done
	SINK_PORT=$(cat "$dir/port")
}

# config DIR EMAIL-LINES...: a station that invoices everything and mails it
config() {
	local dir=$1
	shift
	mkdir -p "$dir/docs"
	{
		printf '[packline]\nstore = sqlite:%s/p.db\nstation = em\ndocuments_dir = %s/docs\n\n' \
			"$dir" "$dir"
		printf '[rule "all"]\nwhen = true\nissue = invoice\nthen = email\n\n'
		printf '[email]\nfrom = faktury@sklep.test\nfrom_name = Sklep Żuraw\n'
		printf '%s\n' "$@"
	} >"$dir/p.ini"
	chmod 600 "$dir/p.ini"
}
smtp_lines() { # PORT [CA]
	printf 'server = smtp://localhost:%s\ncainfo = %s\nuser = shop\npassword = s3kret\nretry_ms = 300\n' \
		"$1" "${2:-$T/ca.pem}"
}
q() { sqlite3 "$1/p.db" "$2"; }
pl() {
	local dir=$1
	shift
	"$P" --config "$dir/p.ini" "$@"
}

# orders FILE PREFIX FIRST COUNT [EMAIL]: orders PREFIX-FIRST.. with Polish names
orders() {
	local file=$1 pre=$2 first=$3 count=$4 mail=${5:-} i
	{
		printf '{"orders":['
		for ((i = first; i < first + count; i++)); do
			[ "$i" -gt "$first" ] && printf ','
			printf '{"source":"shop","id":"%s%d","number":"ZK/%s/%d","created":"2026-11-24T08:00:00Z","status":"paid","currency":"PLN","total":2298,"buyer":{"name":"Zażółć <b>Gęślą</b> & Jaźń","email":"%s","country":"PL"},"delivery":{"method":"pickup","cost":0},"payment":{"type":"card","status":"paid","paid":2298},"lines":[{"sku":"K-1","name":"Kubek","qty":2,"unit_price":1149,"vat":"23"}]}' \
				"$pre" "$i" "$pre" "$i" "${mail:-kupujacy$i@example.pl}"
		done
		printf ']}\n'
	} >"$file"
}
# a PDF for every document of DIR, as a renderer leaves it (doc-ID.pdf):
# binary bytes, so a wrong encoding shows
pdfs() {
	local dir=$1 id
	for id in $(q "$dir" "select id from documents"); do
		[ -f "$dir/docs/doc-$id.pdf" ] ||
			printf '%%PDF-1.4\n%%\342\343\317\323\n%d \000\001\002\377 binary\n%%%%EOF\n' "$id" \
				>"$dir/docs/doc-$id.pdf"
	done
}
# wait until every email job of DIR is out of pending or N tries passed
settle() {
	local dir=$1 n
	for n in $(seq 1 40); do
		[ "$(q "$dir" "select count(*) from jobs where kind='email' and state='pending'")" = 0 ] && return 0
		sleep 0.3
		pl "$dir" process >>"$dir/settle.out" 2>&1
	done
	return 1
}

# ---- config checks ------------------------------------------------------------
D=$T/cfg
config "$D" "$(smtp_lines 25)"
check 'pl "$D" config check >/dev/null 2>"$D/err"' "config: [email] with STARTTLS and AUTH passes ($(cat "$D/err" 2>/dev/null))"
chmod 644 "$D/p.ini"
check '! pl "$D" config check >/dev/null 2>"$D/err" && grep -q "chmod 600" "$D/err"' \
	"config: a password readable by others is refused ($(cat "$D/err"))"
config "$D" 'server = smtp://mail.example.pl:587' 'tls = none'
check '! pl "$D" config check >/dev/null 2>"$D/err" && grep -q "loopback" "$D/err"' \
	"config: tls = none to a remote host is refused ($(cat "$D/err"))"
config "$D" 'outbox = /tmp'
sed -i '/^from = /d' "$D/p.ini"
check '! pl "$D" config check >/dev/null 2>"$D/err" && grep -q "from" "$D/err"' "config: no sender is refused"
config "$D" 'outbox = /tmp' 'templates = /nonexistent' 'language = de'
check '! pl "$D" config check >/dev/null 2>"$D/err" && grep -q "language" "$D/err"' "config: language de is refused"

# ---- no server: .eml files in the outbox -----------------------------------------
D=$T/outbox
config "$D" "outbox = $D/out" "[template]" "email.subject = Dokument {document.number} dla {order.number}"
mkdir -p "$D/out"
orders "$D/o.json" O 1 2
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >"$D/out1" 2>&1
check 'grep -q "email to kupujacy1@example.pl pending.*no PDF" "$D/out1"' \
	"outbox: without its PDF the e-mail waits ($(cat "$D/out1"))"
pdfs "$D"
sleep 0.4
q "$D" "update jobs set not_before = 0 where kind = 'email'"
pl "$D" process >"$D/out2" 2>&1
check 'grep -q "email written for kupujacy1@example.pl" "$D/out2"' "outbox: process says the e-mail was written ($(cat "$D/out2"))"
check '[ "$(ls "$D/out" | grep -c "\.eml$")" = 2 ] && ! ls "$D/out" | grep -q tmp' "outbox: two whole .eml files ($(ls "$D/out"))"
check '$PY - "$D/out" "$D/docs" <<"EOF"
import email, sys, pathlib
from email import policy
for f in pathlib.Path(sys.argv[1]).glob("*.eml"):
    m = email.message_from_bytes(f.read_bytes(), policy=policy.default)
    assert m.get_content_type() == "multipart/mixed", m.get_content_type()
    doc = m["Message-ID"].split(".")[0].lstrip("<").split("-")[1]
    pdf = [p for p in m.walk() if p.get_content_type() == "application/pdf"][0]
    assert pdf.get_content() == (pathlib.Path(sys.argv[2]) / ("doc-%s.pdf" % doc)).read_bytes()
    assert m["Subject"].startswith("Dokument FV/2026/000") and " dla ZK/O/" in m["Subject"], m["Subject"]
EOF' "outbox: each file parses, its PDF is the document's, [template] email.subject is its subject"

# ---- STARTTLS + AUTH ---------------------------------------------------------------
S=$T/sink1
sink "$S"
D=$T/smtp
config "$D" "$(smtp_lines "$SINK_PORT")" "templates = $D/tmpl"
mkdir -p "$D/tmpl"
printf '<p>Dla: {order.client.name}</p><p>{email.number}</p>\n' >"$D/tmpl/invoice.pl.html"
orders "$D/o.json" S 1 1
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >/dev/null 2>&1 # the document; its e-mail waits for the PDF
pdfs "$D"
q "$D" "update jobs set not_before = 0 where kind = 'email'"
pl "$D" process >"$D/out" 2>&1
check 'grep -q "email sent to kupujacy1@example.pl" "$D/out"' "smtp: process says sent ($(cat "$D/out"))"
check '[ "$(ls "$S" | grep -c "\.eml$")" = 1 ]' "smtp: one message at the sink"
check 'grep -q "tls=True auth=True" "$S/auth.log"' "smtp: it came over STARTTLS, authenticated ($(cat "$S/auth.log" 2>/dev/null))"
DOC=$(q "$D" "select id from documents")
check '$PY - "$S" "$D/docs/doc-$DOC.pdf" "$DOC" <<"EOF"
import email, sys, pathlib
from email import policy
f = sorted(pathlib.Path(sys.argv[1]).glob("*.eml"))[0]
raw = f.read_bytes()
m = email.message_from_bytes(raw, policy=policy.default)
assert m.get_content_type() == "multipart/mixed"
top = list(m.iter_parts())
assert [p.get_content_type() for p in top] == ["multipart/alternative", "application/pdf"], top
alt = [p.get_content_type() for p in top[0].iter_parts()]
assert alt == ["text/plain", "text/html"], alt
pdf = top[1]
assert pdf.get_filename() == "FV_2026_0001.pdf", pdf.get_filename()
assert pdf.get_content() == pathlib.Path(sys.argv[2]).read_bytes(), "attachment bytes differ"
assert m["Subject"] == "Faktura VAT FV/2026/0001 - zamówienie ZK/S/1", m["Subject"]
assert m["To"].addresses[0].display_name == "Zażółć <b>Gęślą</b> & Jaźń", m["To"]
assert m["From"].addresses[0].display_name == "Sklep Żuraw"
assert m["Message-ID"].startswith("<doc-%s." % sys.argv[3]) and m["Message-ID"].endswith("@sklep.test>"), m["Message-ID"]
html = top[0].get_payload()[1].get_content()
assert "Dla: Zażółć &lt;b&gt;Gęślą&lt;/b&gt; &amp; Jaźń" in html, html
text = top[0].get_payload()[0].get_content()
assert "Dzień dobry" in text and "22,98 PLN" in text, text
for line in raw.split(b"\r\n"):
    assert len(line) <= 998
EOF' "smtp: structure, exact PDF bytes, Polish subject and names, Message-ID, escaped HTML"
MID=$(q "$D" "select json_extract(result, '$.message_id') from jobs where kind = 'email'")
check '[ "$MID" = "doc-$DOC.$(cut -d. -f2- <<<"$MID")" ]' "smtp: the Message-ID is doc-ID.HASH@host ($MID)"
pl "$D" process >"$D/out2" 2>&1
check '[ "$(ls "$S" | grep -c "\.eml$")" = 1 ]' "smtp: a second run sends nothing"
check 'grep -q "already issued; email sent before" "$D/out2"' "smtp: the second run says so ($(cat "$D/out2"))"

# ---- the PDF from our renderer (agent/docs_pdf.h) -------------------------------------
D=$T/render
config "$D" "$(smtp_lines "$SINK_PORT")"
printf '\n[seller]\nname = Sklep Żuraw sp. z o.o.\nnip = 526-104-08-28\naddress = ul. Piotrkowska 12\ncity = 90-001 Łódź\n' >>"$D/p.ini"
orders "$D/o.json" P 1 1
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
BEFORE=$(ls "$S" | grep -c "\.eml$")
pl "$D" process >"$D/out" 2>&1
check 'grep -q "email sent to kupujacy1@example.pl" "$D/out"' "render: sent with the rendered PDF at once ($(cat "$D/out"))"
pl "$D" docs pdf FV/2026/0001 -o "$D/fv.pdf" >/dev/null 2>&1
check '$PY - "$S" "$D/fv.pdf" <<"EOF"
import email, sys, pathlib
from email import policy
f = sorted(pathlib.Path(sys.argv[1]).glob("*.eml"))[-1]
m = email.message_from_bytes(f.read_bytes(), policy=policy.default)
pdf = [p for p in m.walk() if p.get_content_type() == "application/pdf"][0]
got, want = pdf.get_content(), pathlib.Path(sys.argv[2]).read_bytes()
assert got[:5] == b"%PDF-" and got == want, (len(got), len(want))
EOF' "render: the attachment is exactly what \`docs pdf\` renders"
check '[ $(($(ls "$S" | grep -c "\.eml$") - BEFORE)) = 1 ]' "render: one message"

# ---- TLS verification: a CA we do not trust ----------------------------------------------
D=$T/untrusted
BEFORE=$(ls "$S" | grep -c "\.eml$")
config "$D" "$(smtp_lines "$SINK_PORT" "$T/other.pem")"
orders "$D/o.json" U 1 1
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >/dev/null 2>&1
pdfs "$D"
q "$D" "update jobs set not_before = 0 where kind = 'email'"
pl "$D" process >"$D/out" 2>&1
check '[ "$(ls "$S" | grep -c "\.eml$")" = "$BEFORE" ]' "tls: nothing reached a server whose certificate we do not trust"
check 'grep -qi "email to kupujacy1@example.pl pending.*not sent.*\(certificate\|SSL\)" "$D/out"' \
	"tls: the job waits, saying why ($(cat "$D/out"))"

# ---- 451, then success ---------------------------------------------------------------------
D=$T/defer
config "$D" "$(smtp_lines "$SINK_PORT")"
orders "$D/o.json" D 1 1
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >/dev/null 2>&1
pdfs "$D"
q "$D" "update jobs set not_before = 0 where kind = 'email'"
BEFORE=$(grep -c "kupujacy1@example.pl" "$S/ids.log")
echo "defer 1" >"$S/mode"
pl "$D" process >"$D/out" 2>&1
check 'grep -q "pending.*deferred.*451 4.3.0 Try again later" "$D/out"' "451: deferred with the server's words ($(cat "$D/out"))"
check '[ "$(q "$D" "select state from jobs where kind = \"email\"")" = pending ]' "451: the job is pending"
check 'settle "$D"' "451: the job settles on a later run"
rm -f "$S/mode"
check '[ "$(grep -c "kupujacy1@example.pl" "$S/ids.log")" = $((BEFORE + 1)) ]' "451: then one message"
check '[ "$(q "$D" "select state || \" \" || attempt from jobs where kind = \"email\"")" = "done 2" ]' \
	"451: done on the second attempt ($(q "$D" "select state, attempt from jobs"))"

# ---- 550 for the recipient -----------------------------------------------------------------
D=$T/reject
config "$D" "$(smtp_lines "$SINK_PORT")"
orders "$D/o.json" R 1 1 rejected@example.pl
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >/dev/null 2>&1
pdfs "$D"
q "$D" "update jobs set not_before = 0 where kind = 'email'"
pl "$D" process >"$D/out" 2>&1
RC=$?
check '[ "$(q "$D" "select state from jobs where kind = \"email\"")" = failed ]' "550: the job failed"
check 'grep -q "email to rejected@example.pl failed.*550 5.1.1 <rejected@example.pl>: Recipient address rejected" "$D/out"' \
	"550: with the server's text ($(cat "$D/out"))"
check '[ "$RC" = 1 ]' "550: process exits 1 (rc $RC)"

# ---- SIGKILL while sending, 50 times ---------------------------------------------------------
S=$T/sink2
sink "$S"
D=$T/kill
config "$D" "$(smtp_lines "$SINK_PORT")" 'copy_to = archiwum@sklep.test'
N=12
orders "$D/o.json" K 1 $N
pl "$D" orders import "$D/o.json" >/dev/null 2>&1
pl "$D" process >/dev/null 2>&1
pdfs "$D"
q "$D" "update jobs set not_before = 0 where kind = 'email'"
# the server queues each message, then takes a while to say so: a kill
# lands before the dot, after it, or while the answer is on its way
echo "slow 120" >"$S/mode"
for i in $(seq 1 50); do
	PL_JOURNAL_LEASE_MS=400 "$P" --config "$D/p.ini" process >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 5 + 1))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	q "$D" "update jobs set not_before = 0 where kind = 'email' and state = 'pending' and not_before > 0 and not_before < 9000000000000000" 2>/dev/null
done
rm -f "$S/mode"
sleep 0.5
# then without kills until nothing is pending (bounded; a deferred one is asked again at once)
for _ in $(seq 1 20); do
	q "$D" "update jobs set not_before = 0 where kind = 'email' and state = 'pending' and not_before < 9000000000000000"
	PL_JOURNAL_LEASE_MS=400 pl "$D" process >"$D/after" 2>&1
	[ "$(q "$D" "select count(*) from jobs where kind = 'email' and state in ('pending', 'sending')")" = 0 ] && break
	sleep 0.5
done
JOBS=$(q "$D" "select count(*) from jobs where kind = 'email'")
check '[ "$JOBS" = $((N * 2)) ]' "kill: one job per document and recipient ($JOBS)"
check '[ -z "$(sort "$S/ids.log" | uniq -d)" ]' "kill: no (Message-ID, recipient) twice at the sink ($(sort "$S/ids.log" | uniq -d | head -3))"
UNSETTLED=$(q "$D" "select count(*) from jobs where kind = 'email' and state not in ('done', 'unknown')")
check '[ "$UNSETTLED" = 0 ]' "kill: every job done or held ($(q "$D" "select id, state, result from jobs where kind = 'email' and state not in ('done','unknown')"))"
# done means at the sink exactly once
MISSING=0
for row in $(q "$D" "select json_extract(result, '$.message_id') || ',' || json_extract(request, '$.rcpt') from jobs where kind = 'email' and state = 'done'"); do
	grep -qF "<${row%%,*}> ${row#*,}" "$S/ids.log" || MISSING=$((MISSING + 1))
done
check '[ "$MISSING" = 0 ]' "kill: every done e-mail is at the sink ($MISSING missing)"
HELD=$(q "$D" "select count(*) from jobs where kind = 'email' and state = 'unknown'")
echo "test_email: kill: $(wc -l <"$S/ids.log") message(s) at the sink, $HELD job(s) held for the operator"
check 'pl "$D" jobs list --kind email | grep -q "unknown\|done"' "kill: jobs list shows them"
# the operator: a held e-mail at the sink is resolved done, one not there is retried
for id in $(q "$D" "select id from jobs where kind = 'email' and state = 'unknown'"); do
	row=$(q "$D" "select json_extract(result, '$.message_id') || ',' || json_extract(request, '$.rcpt') from jobs where id = $id")
	if grep -qF "<${row%%,*}> ${row#*,}" "$S/ids.log"; then
		pl "$D" jobs resolve "$id" --done --reason "in the mailbox" >/dev/null 2>&1
	else
		pl "$D" jobs retry "$id" --reason "not in the mailbox" >/dev/null 2>&1
	fi
done
for _ in $(seq 1 10); do
	pl "$D" process >"$D/final" 2>&1
	[ "$(q "$D" "select count(*) from jobs where kind = 'email' and state != 'done'")" = 0 ] && break
	q "$D" "update jobs set not_before = 0 where kind = 'email' and state = 'pending' and not_before < 9000000000000000"
	sleep 0.5
done
check '[ "$(q "$D" "select count(*) from jobs where kind = \"email\" and state = \"done\"")" = $((N * 2)) ]' \
	"kill: after the operator, every e-mail done ($(q "$D" "select state, count(*) from jobs where kind='email' group by state"))"
check '[ "$(sort -u "$S/ids.log" | wc -l)" = $((N * 2)) ] && [ -z "$(sort "$S/ids.log" | uniq -d)" ]' \
	"kill: and at the sink exactly once each ($(sort -u "$S/ids.log" | wc -l) of $((N * 2)))"

echo "test_email: $pass passed, $fail failed"
[ "$fail" = 0 ]
