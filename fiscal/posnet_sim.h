/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_sim.h - a POSNET fiscal printer simulator as a pure state machine.
 *
 * Bytes from the host go in (posnet_sim_input), bytes for the host come out
 * (posnet_sim_output) when they are due; the caller supplies a monotonic
 * millisecond clock to both so that delays and reboots need no threads or
 * timers here. The simulator never touches a file or a socket: its state is
 * saved to and loaded from text (posnet_sim_save/load) and what it prints is
 * appended to an in-memory "paper" the caller drains (posnet_sim_paper_*).
 * The serving process is agent/sim_cli.c (`packline sim posnet`); the
 * driver's in-process transport wraps the same object.
 *
 * Behaviour (research fiscal-printers.md §1, checked against the recorded
 * cassettes in tests/cassettes/posnet/):
 *  - frames: CRC-16/XMODEM, either hex case unless strict_upper_crc; a bad
 *    frame gets `ERR ?n` (5 bad CRC, 15 no checksum, 1 unknown command,
 *    2 missing field, 3 unparseable field, 10 field too long, 12 not allowed
 *    with '!', 13 token not found); a refused command gets `mnemonic ?nnnn`.
 *  - counters scnt rd hn bn bt bc fn fc, eclastdocnoget di: a receipt
 *    advances bn bt hn di; a cancel advances bc bt hn di but not bn; a daily
 *    report advances rd hn di and, with daily_reset (billcountercfgget dl),
 *    zeroes bn bt bc.
 *  - transaction trinit, trnipset, trline (discount/markup rd rw rp rn,
 *    storno st), trdiscntsubtot, trpayment, trend (fe0 -> trftrln + trftrend),
 *    prncancel/trcancel/hardprncancel; stocash (cash-out printout);
 *    dailyrep; status scomm scnt sfsk stot strns sdev sprn rtcget vatget
 *    eclastdocnoget billcountercfgget doccntget; rpt.
 *  - checks: 2005/2038/2060 state, 2000 rate, 2006/2007/2008/2009 line,
 *    2106 rate-lowering lock on normalised goods names, 2054 payments,
 *    2805 total, 2808/2809 fp/re verify, 2851/2852 storno, 1985 discount,
 *    1992/2041 empty, 2096 NIP, 382/383 daily report, 2066 footer.
 *  - tokens: `@tttt` is echoed; the last 32 replies (at most 1 KiB) are kept
 *    by token for `rpt`, which replays without executing; the store is
 *    volatile (lost at a reboot).
 *  - paper out: print commands are held in the queue (the real printer
 *    executes synchronously and answers after printing) until paper is
 *    back; `!sprn` answers pr5 and `!sdev` ds3 meanwhile.
 *  - reboot (power loss or a restart from a saved state): the token store,
 *    queue and partial input are lost; an open receipt is cancelled
 *    (CONTRACT-GUESS: the spec does not say what power-up does with an open
 *    receipt; we print "TRANSAKCJA ANULOWANA" and count it in bc/bt).
 *
 * Ownership: posnet_sim_new() returns an object freed with posnet_sim_free().
 */
#ifndef PL_FISCAL_POSNET_SIM_H
#define PL_FISCAL_POSNET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "fiscal/posnet_frame.h"

#define POSNET_SIM_FAULTS_MAX 16

struct posnet_sim;

struct posnet_sim_config {
	char unique_number[32]; /* `nu`, default "ZBF 2101002392" (the recorded device) */
	/* VAT slots A..G in hundredths of a percent; 10000 = exempt (zw),
	 * 10100 = inactive. Default 23,00 8,00 5,00 0,00 101,00 101,00 101,00
	 * as the recorded printer. */
	int vat[7];
	bool fiscal;           /* scomm/sfsk fs; default true */
	bool daily_reset;      /* bn/bt/bc reset at each daily report; default true */
	bool strict_upper_crc; /* refuse lower-case CRC from the host; default false */
	enum posnet_paper paper;
	/* Wall clock (unix seconds) for dates on replies and paper; NULL = pl_now(). */
	int64_t (*clock)(void *arg);
	void *clock_arg;
};

void posnet_sim_config_default(struct posnet_sim_config *cfg);

/* Fault injection. Each fault hits commands whose mnemonic matches (any
 * command when `mnemonic` is empty): it lets `skip` matching commands pass,
 * then hits `count` of them (0 = every later one). */
enum posnet_sim_fault_kind {
	POSNET_SIM_FAULT_DELAY, /* reply `arg` ms after execution */
	POSNET_SIM_FAULT_DROP,  /* execute, never reply */
	POSNET_SIM_FAULT_LATE,  /* execute, send the reply only when the next frame arrives */
	POSNET_SIM_FAULT_SPLIT, /* write the reply in chunks of `arg` bytes (default 3), 2 ms apart */
	POSNET_SIM_FAULT_POWER_LOSS, /* execute, no reply, off for `arg` ms (default 300), reboot */
	POSNET_SIM_FAULT_LOWER_CRC,  /* reply CRC in lower-case hex */
	POSNET_SIM_FAULT_BAD_CRC,    /* reply with a wrong CRC */
	POSNET_SIM_FAULT_GARBAGE,    /* `arg` bytes of noise (default 7) before the reply */
	POSNET_SIM_FAULT_PAPER_OUT,  /* the paper runs out before this command executes */
};

struct posnet_sim_fault {
	enum posnet_sim_fault_kind kind;
	char mnemonic[POSNET_MNEMONIC_MAX + 1];
	int skip;
	int count;
	int arg;
};

/* Parse "KIND[=ARG][:MNEMONIC[:SKIP[:COUNT]]]", KIND one of delay drop late
 * split power lowercrc badcrc garbage paperout. COUNT defaults to 1 for
 * drop, late, power, badcrc, garbage and paperout, to 0 (all) for the rest.
 * Examples: "drop:trend", "delay=800", "split=2:scnt", "power:trend:1".
 * Returns 0 or -PL_EINVAL with err filled. */
int posnet_sim_fault_parse(const char *spec, struct posnet_sim_fault *out, char *err,
			   size_t errcap);

/* The counters as `scnt`/`eclastdocnoget` report them. */
struct posnet_sim_counters {
	long long rd, hn, bn, bt, bc, fn, fc;
	long long di;         /* last document number in the protected memory (any document) */
	long long receipt_di; /* di of the last receipt (eclastdocnoget ty0) */
	bool trn_open;        /* a receipt is open */
	bool footer_pending;  /* trend fe0 done, trftrend not yet */
	int held;             /* frames waiting for paper */
};

/* Create a simulator with cfg (NULL = defaults) and a fresh state: counters
 * zero, totals zero, no goods locks. NULL on allocation failure. */
struct posnet_sim *posnet_sim_new(const struct posnet_sim_config *cfg);
void posnet_sim_free(struct posnet_sim *s);

/* Bytes received from the host at monotonic time now_ms. Frames are executed
 * as they complete. Never fails: bad input is answered on the wire. */
void posnet_sim_input(struct posnet_sim *s, const uint8_t *data, size_t len, int64_t now_ms);
/* Copy up to cap bytes that are due at now_ms into out; returns the count
 * (0 when nothing is due). A split reply yields at most one chunk per call. */
size_t posnet_sim_output(struct posnet_sim *s, uint8_t *out, size_t cap, int64_t now_ms);
/* Milliseconds until something is due (output or the end of a reboot):
 * 0 = now, -1 = nothing scheduled. Also completes a reboot that is due. */
int64_t posnet_sim_next_due(struct posnet_sim *s, int64_t now_ms);
/* Drop every reply not yet handed out (the host went away mid-reply): what was
 * in flight is lost, the printer's state stays. */
void posnet_sim_discard_output(struct posnet_sim *s);
/* Drop a half-received frame (the host went away mid-frame): the next host's
 * first byte starts a new frame instead of continuing a stranger's. */
void posnet_sim_discard_input(struct posnet_sim *s);

/* Faults. add returns -PL_ETOOBIG when POSNET_SIM_FAULTS_MAX are set. */
int posnet_sim_add_fault(struct posnet_sim *s, const struct posnet_sim_fault *f);
void posnet_sim_clear_faults(struct posnet_sim *s);

/* Paper roll: out = true holds print commands; false executes what was held. */
void posnet_sim_set_paper_out(struct posnet_sim *s, bool out, int64_t now_ms);
bool posnet_sim_paper_out(const struct posnet_sim *s);
/* Power-cycle now: see "reboot" above. */
void posnet_sim_reboot(struct posnet_sim *s);

void posnet_sim_get_counters(const struct posnet_sim *s, struct posnet_sim_counters *out);
/* Rises at every change of the persistent state: save when it moved. */
uint64_t posnet_sim_generation(const struct posnet_sim *s);

/* The paper printed since the last consume, UTF-8 text, one block per
 * document:
 *   --- BEGIN RECEIPT bt=5 bn=5 rd=3 hn=46 di=51 at=2026-10-09T11:44:32+02:00
 *   LINE: Candies; vat=B; qty=1; price=10,00; value=10,00; narzut=Dopłata za pakowanie +2,00
 *   STORNO: Kawa; vat=B; qty=1; price=10,00; value=10,00; rabat=Rabat -2,00
 *   SUBTOTAL: 12,00
 *   NARZUT: Opłata serwisowa +1,00
 *   TOTAL: 13,00
 *   PAYMENT: Gotówka 13,00 (type=0)
 *   CHANGE: 0,00
 *   NIP NABYWCY: 1234563218
 *   FOOTER: Nr zamówienia: ZK/2026/10042
 *   --- END RECEIPT bt=5
 * Other blocks: "--- BEGIN CANCELLED ..." (ends with TRANSAKCJA ANULOWANA),
 * "--- BEGIN DAILY-REPORT no=4 ...", "--- BEGIN CASH-OUT ...".
 * The pointer stays valid until the next call into the simulator. */
const char *posnet_sim_paper(const struct posnet_sim *s, size_t *len);
void posnet_sim_paper_consume(struct posnet_sim *s);

/* Persistent state as text ("key value" lines; counters, totals, VAT table,
 * goods locks, the open receipt's existence, a pending footer). Appends to out. */
int posnet_sim_save(const struct posnet_sim *s, struct buf *out);
/* Replace the state with a saved one, then reboot (an open receipt is
 * cancelled). -PL_EINVAL with err filled on a malformed line. */
int posnet_sim_load(struct posnet_sim *s, const char *text, size_t len, char *err, size_t errcap);

#endif
