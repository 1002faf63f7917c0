#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_docs_pdf.sh - #19: `docs pdf DOC -o FILE [--lang pl|en]` through
# the real binary. For each kind: pdftotext gives back the Polish text and the
# amounts (real text, not pictures), `qpdf --check` finds no error, the file is
# small (fonts embedded as subsets: <= 60 KB), the fonts are embedded subsets
# with a ToUnicode map (pdffonts); the VAT invoice's QR code, read back from
# the rendered page by zbarimg, is the KSeF KOD I link printed under it, and
# that link's hash is the SHA-256 of the FA(3) XML (checked in test_pdf.c).
# Errors: no [seller] -> exit 3; an unknown document -> 1; bad --lang -> 2.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_docs_pdf.XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for tool in pdftotext qpdf zbarimg pdftoppm pdffonts; do
	command -v $tool >/dev/null || { echo "FAIL: $tool missing (scripts/bootstrap-packages.txt)"; exit 1; }
done
# receipts come from the POSNET simulator
"$P" sim posnet --tcp 0 --port-file "$T/port" --paper "$T/paper" >"$T/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 1000); do [ -s "$T/port" ] && break; sleep 0.02; done
{
	cat "$SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\n' "$T"
	printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$T/port")"
} >"$T/noseller.ini"
{
	cat "$T/noseller.ini"
	cat <<'INI'

[seller]
name = Hurtownia Łódzka „Żółw” sp. z o.o.
nip = 526-104-08-28
address = ul. Piotrkowska 12
city = 90-001 Łódź
bank_account = 61 1090 1014 0000 0712 1981 2874
place = Łódź

[pdf]
lang = pl
payment_days = 14
INI
} >"$T/p.ini"
pl() { "$P" --config "$T/p.ini" "$@"; }
pl orders import "$SRC/examples/orders/01-company-nip-invoice.json" \
	"$SRC/examples/orders/02-consumer-receipt.json" \
	"$SRC/examples/orders/06-advance-transfer.json" >/dev/null
ZK=ZK/2026/10042
pl process >"$T/process.out" 2>&1
pl docs issue "$ZK" --kind proforma >/dev/null
pl docs issue "$ZK" --kind wz >/dev/null

# size, structure, fonts of one file; $1 file, $2 what
wellformed() {
	local f=$1 what=$2 size
	size=$(stat -c %s "$f")
	check '[ "$size" -gt 2000 ] && [ "$size" -le 61440 ]' "$what: $size bytes (<= 60 KB)"
	qpdf --check "$f" >"$T/qpdf" 2>&1
	local qrc=$?
	check '[ $qrc = 0 ]' "$what: qpdf --check: $(tail -2 "$T/qpdf")"
	pdffonts "$f" 2>/dev/null | awk 'NR > 2' >"$T/fonts"
	check '[ -s "$T/fonts" ] && ! awk "\$(NF-4) != \"yes\" || \$(NF-3) != \"yes\" || \$(NF-2) != \"yes\"" "$T/fonts" | grep -q .' \
		"$what: every font embedded, subset, with ToUnicode: $(cat "$T/fonts")"
}

# -- VAT invoice, Polish
pl docs pdf FV/2026/0001 -o "$T/fv.pdf" 2>"$T/e"
rc=$?
check '[ $rc = 0 ] && [ -s "$T/fv.pdf" ]' "invoice PDF written (rc $rc: $(cat "$T/e"))"
wellformed "$T/fv.pdf" invoice
pdftotext -layout "$T/fv.pdf" "$T/fv.txt"
# -o onto a FIFO (as onto /dev/null): written in place, the node stays a FIFO
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.got" &
reader=$!
pl docs pdf FV/2026/0001 -o "$T/fifo" 2>"$T/e"
rc=$?
# the reader ends when the writer closes; if nothing ever opened the FIFO, end it
[ $rc = 0 ] || kill "$reader" 2>/dev/null
wait "$reader"
check '[ $rc = 0 ] && [ -p "$T/fifo" ] && cmp -s "$T/fifo.got" "$T/fv.pdf"' \
	"-o FIFO: the PDF went through it and it is still a FIFO (rc $rc: $(cat "$T/e"))"
for s in "Faktura VAT nr FV/2026/0001" "Hurtownia Łódzka „Żółw” sp. z o.o." "NIP: 5261040828" \
	"Pracownia Ceramiki Żuraw sp. z o.o." "ul. Świętego Filipa 17/4" "31-150 Kraków" \
	"NIP: 5261048273" "Data wystawienia: $(date +%Y-%m-%d)" "Data sprzedaży:" \
	"Glina kamionkowa biała 5 kg" "Szkliwo transparentne 500 ml" "Dostawa" \
	"Do zapłaty: 264,86 PLN" "Słownie: dwieście sześćdziesiąt cztery złote 86/100" \
	"Sposób płatności: płatność online" "Numer rachunku: 61 1090 1014 0000 0712 1981 2874"; do
	check 'grep -qF "$s" "$T/fv.txt"' "invoice text has '$s'"
done
# the lines and the per-rate table: 4 x 42,99 = 171,96 gross, 139,80 net, 32,16 VAT
check 'grep -E "Glina.* 4 +szt +42,99 +139,80 +23% +32,16 +171,96" -q "$T/fv.txt"' "invoice line 1 with its amounts"
check 'grep -E "^ *23% +215,33 +49,53 +264,86" -q "$T/fv.txt"' "per-rate net/VAT/gross row"
check 'grep -E "Razem +215,33 +49,53 +264,86" -q "$T/fv.txt"' "totals row"
# the QR code read from the rendered page is the KOD I link
pdftoppm -r 150 -png -f 1 -l 1 "$T/fv.pdf" "$T/fv" && qr=$(zbarimg -q --raw "$T"/fv-1.png 2>/dev/null)
check '[[ "$qr" =~ ^https://qr-test\.ksef\.mf\.gov\.pl/invoice/5261040828/[0-9]{2}-[0-9]{2}-[0-9]{4}/[A-Za-z0-9_-]{43}$ ]]' \
	"QR code is a KOD I link: '$qr'"
check '[ "${qr##*/invoice/5261040828/}" != "$qr" ] && grep -qF "$(date +%d-%m-%Y)" <<<"$qr"' "KOD I names the seller and the issue date"
check 'pdftotext "$T/fv.pdf" - | tr -d "\n" | grep -qF "$qr"' "the link is printed under the code too"

# -- the same invoice in English
pl docs pdf FV/2026/0001 -o "$T/fv-en.pdf" --lang en 2>"$T/e"
pdftotext -layout "$T/fv-en.pdf" "$T/fv-en.txt"
for s in "VAT invoice no. FV/2026/0001" "Seller" "Buyer" "Amount due: 264.86 PLN" \
	"In words: two hundred sixty-four zlotys 86/100" "Payment method: online payment"; do
	check 'grep -qF "$s" "$T/fv-en.txt"' "English invoice has '$s'"
done
check '! grep -q "Sprzedawca" "$T/fv-en.txt"' "English labels only"

# -- proforma and WZ (documents without a receipt)
pl docs pdf PRO/2026/0001 -o "$T/pro.pdf" && pdftotext -layout "$T/pro.pdf" "$T/pro.txt"
wellformed "$T/pro.pdf" proforma
check 'grep -qF "Faktura proforma nr PRO/2026/0001" "$T/pro.txt" && grep -qF "nie jest fakturą VAT" "$T/pro.txt"' "proforma title and note"
check 'grep -qF "Do zapłaty: 264,86 PLN" "$T/pro.txt"' "proforma total"
pdftoppm -r 100 -png -f 1 -l 1 "$T/pro.pdf" "$T/pro"
check '! zbarimg -q --raw "$T"/pro-1.png >/dev/null 2>&1' "no KSeF QR code on a proforma"
pl docs cancel PRO/2026/0001 --reason "klient zrezygnował" >/dev/null 2>"$T/e"
pl docs pdf PRO/2026/0001 -o "$T/pro-c.pdf" && pdftotext "$T/pro-c.pdf" "$T/pro-c.txt"
check 'grep -qF "DOKUMENT ANULOWANY" "$T/pro-c.txt" && ! grep -qF "ANULOWANY" "$T/pro.txt"' "a cancelled document says so ($(cat "$T/e"))"
WZ=$(sqlite3 "$T/p.db" "select number from documents where kind = 'wz'")
pl docs pdf "$WZ" -o "$T/wz.pdf" && pdftotext -layout "$T/wz.pdf" "$T/wz.txt"
wellformed "$T/wz.pdf" WZ
check 'grep -qF "Wydanie zewnętrzne WZ nr $WZ" "$T/wz.txt" && grep -qF "GL-5KG" "$T/wz.txt"' "WZ title and SKU"
check 'grep -qF "Wydał" "$T/wz.txt" && grep -qF "Odebrał" "$T/wz.txt" && ! grep -q "42,99" "$T/wz.txt"' "WZ: signatures, no prices"

# -- correction: before / after / difference and the reason
pl docs correct FV/2026/0001 --line GL-5KG:1 --reason "Uszkodzona glina w transporcie" >/dev/null 2>"$T/e"
KOR=$(sqlite3 "$T/p.db" "select number from documents where kind = 'correction'")
pl docs pdf "$KOR" -o "$T/kor.pdf" 2>"$T/e"
check '[ -s "$T/kor.pdf" ]' "correction PDF ($KOR: $(cat "$T/e"))"
wellformed "$T/kor.pdf" correction
pdftotext -layout "$T/kor.pdf" "$T/kor.txt"
for s in "Faktura korygująca nr $KOR" "Dotyczy dokumentu: Faktura VAT FV/2026/0001 z dnia" \
	"Przyczyna korekty: Uszkodzona glina w transporcie" "Przed korektą" "Po korekcie" \
	"Różnica (korekta)" "Do zwrotu: 42,99 PLN" "Słownie: czterdzieści dwa złote 99/100"; do
	check 'grep -qF "$s" "$T/kor.txt"' "correction has '$s'"
done
# before 4 pieces, after 3, difference -1 (-42,99 gross, -34,95 net)
check '[ "$(grep -cE "Glina.* 4 +szt +42,99 +139,80" "$T/kor.txt")" = 1 ] && grep -qE "Glina.* 3 +szt +42,99 +104,85 +23% +24,12 +128,97" "$T/kor.txt" && grep -qE "Glina.* -1 +szt +42,99 +-34,95 +23% +-8,04 +-42,99" "$T/kor.txt"' \
	"correction: before 4, after 3, difference -1 with amounts"
pdftoppm -r 150 -png -f 1 -l 1 "$T/kor.pdf" "$T/kor"
kqr=$(zbarimg -q --raw "$T"/kor-*.png 2>/dev/null | head -1)
check '[[ "$kqr" =~ ^https://qr-test\.ksef\.mf\.gov\.pl/invoice/5261040828/ ]] && [ "$kqr" != "$qr" ]' \
	"the correction has its own KOD I ($kqr)"

# -- advance, then the final invoice with the advance deducted
ADV=$(sqlite3 "$T/p.db" "select number from documents where kind = 'advance'")
pl docs pdf "$ADV" -o "$T/adv.pdf" 2>"$T/e" && pdftotext -layout "$T/adv.pdf" "$T/adv.txt"
wellformed "$T/adv.pdf" advance
check 'grep -qF "Faktura zaliczkowa nr $ADV" "$T/adv.txt" && grep -qF "Zaliczka na poczet zamówienia ZK/2026/10046" "$T/adv.txt"' "advance title and note ($(cat "$T/e"))"
check 'grep -qF "Termin płatności: $(date -d "+14 days" +%Y-%m-%d)" "$T/adv.txt"' "advance: transfer not paid in full: the term is 14 days on"
sed 's/"transfer"/"card"/; s/"partial"/"paid"/' "$SRC/examples/orders/06-advance-transfer.json" >"$T/06b.json"
pl orders import "$T/06b.json" >/dev/null
pl docs issue ZK/2026/10046 --kind final >/dev/null
FIN=$(sqlite3 "$T/p.db" "select number from documents where kind = 'final'")
pl docs pdf "$FIN" -o "$T/fin.pdf" 2>"$T/e" && pdftotext -layout "$T/fin.pdf" "$T/fin.txt"
wellformed "$T/fin.pdf" final
check 'grep -qF "Faktura końcowa nr $FIN" "$T/fin.txt" && grep -qF "Zaliczki odliczone: Faktura zaliczkowa $ADV z dnia" "$T/fin.txt"' "final names the advance it deducts ($(cat "$T/e"))"
check 'grep -qF "Pozostało do zapłaty" "$T/fin.txt" && grep -qE "Razem +0,00 +0,00 +0,00" "$T/fin.txt" && grep -qF "Do zapłaty: 0,00 PLN" "$T/fin.txt"' \
	"final: the advance (the whole order here) taken off per rate"

# -- a receipt copy (from the simulator) and its refund note
RCP=$(sqlite3 "$T/p.db" "select id from documents where kind = 'receipt' and state = 'issued'")
check '[ -n "$RCP" ]' "a receipt was printed ($(cat "$T/process.out"))"
pl docs pdf "#$RCP" -o "$T/rcp.pdf" 2>"$T/e" && pdftotext -layout "$T/rcp.pdf" "$T/rcp.txt"
wellformed "$T/rcp.pdf" "receipt copy"
check 'grep -qF "Kopia paragonu" "$T/rcp.txt" && grep -qF "Dokument niefiskalny" "$T/rcp.txt" && ! grep -qF "Nabywca" "$T/rcp.txt"' "receipt copy: title, non-fiscal note, no buyer ($(cat "$T/e"))"
check 'grep -qE "^ *Suma: [0-9 ]+,[0-9]{2} PLN" "$T/rcp.txt"' "receipt copy total"
pl docs pdf "#$RCP" -o "$T/rcp-en.pdf" --lang en && pdftotext "$T/rcp-en.pdf" "$T/rcp-en.txt"
check 'grep -qF "Receipt copy" "$T/rcp-en.txt" && grep -qF "Non-fiscal document" "$T/rcp-en.txt"' "receipt copy in English"

# -- errors
"$P" --config "$T/noseller.ini" docs pdf FV/2026/0001 -o "$T/x.pdf" 2>"$T/e"
rc=$?
check '[ $rc = 3 ] && grep -q "\[seller\]" "$T/e" && [ ! -e "$T/x.pdf" ]' "no [seller]: exit 3, no file (rc $rc: $(cat "$T/e"))"
pl docs pdf NO/SUCH -o "$T/x.pdf" 2>"$T/e"
rc=$?
check '[ $rc = 1 ]' "unknown document: exit 1 (rc $rc)"
pl docs pdf FV/2026/0001 -o "$T/x.pdf" --lang de 2>"$T/e"
rc=$?
check '[ $rc = 2 ]' "--lang de: usage (rc $rc)"
printf '[seller]\nname = X\nnip = 1234567890\naddress = a\ncity = b\nbank_account = 12 3456\n[pdf]\nlang = fr\nfont = /no/such.ttf\n' >"$T/bad.ini"
"$P" config check "$T/bad.ini" >"$T/o" 2>&1
rc=$?
check '[ $rc = 3 ] && grep -q "bad.ini:3.*nip" "$T/o" && grep -q "bank_account" "$T/o" && grep -q "lang" "$T/o" && grep -q "no/such.ttf" "$T/o"' \
	"config check names the bad [seller]/[pdf] keys (rc $rc: $(cat "$T/o"))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
