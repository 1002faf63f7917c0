/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_frame.h - the POSNET frame: building commands, parsing replies.
 *
 * Wire form (research fiscal-printers.md §1.2-§1.4):
 *
 *   STX [!]mnemonic TAB {nn value TAB}* [@tttt TAB] '#' CRC ETX
 *
 * STX 0x02, ETX 0x03, TAB 0x09; `nn` is a two-letter field name; `@tttt` an
 * optional token of exactly 4 decimal digits; CRC is CRC-16/XMODEM (poly
 * 0x1021, init 0, no reflection) over every byte between STX and '#'
 * (exclusive), sent as 4 upper-case hex digits and accepted in either case.
 * There is no escaping: values are bytes 0x20..0xFF (Windows-1250 text), so
 * '#' and '@' may occur in a value; the LAST '#' before ETX marks the
 * checksum. A field that starts with '@' is the token, one that starts with
 * '?' an error code.
 *
 * Replies:
 *   success        STX mnemonic TAB [fields] # CRC ETX
 *   command error  STX mnemonic TAB ?nnnn [TAB] # CRC ETX   (TAB optional: spec vs real frames)
 *   frame error    STX ERR TAB [@tttt TAB] ?n TAB [cmCMD TAB [fdFIELD TAB]] # CRC ETX
 *                  or the `rpt` example form  ERR TAB @tttt TAB er13 TAB cmrpt TAB
 *
 * The same decoder serves both directions (the simulator parses commands with
 * it). Everything here is pure: no I/O, no allocation, bounded buffers.
 *
 * Ownership: struct posnet_cmd, struct posnet_msg and struct posnet_parser
 * are plain values embedded or declared by the caller; nothing to free.
 * Field values returned by posnet_msg_get() point into the msg and live as
 * long as it does (until the next parse into the same msg).
 */
#ifndef PL_FISCAL_POSNET_FRAME_H
#define PL_FISCAL_POSNET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POSNET_STX 0x02
#define POSNET_ETX 0x03
#define POSNET_TAB 0x09

/* Largest frame, STX to ETX inclusive. The spec gives no input-buffer size;
 * the longest legal frame we build (a trline with every text field at its
 * limit) is < 400 bytes and the longest recorded reply (stot) < 500.
 * CONTRACT-GUESS: 2048 is generous for both and small enough to cap garbage. */
#define POSNET_FRAME_MAX    2048
#define POSNET_MNEMONIC_MAX 31 /* longest spec mnemonic is ~16 ("billcountercfgget") */
#define POSNET_FIELDS_MAX   64 /* stot has 38 fields */
#define POSNET_ERRMSG_MAX   160
#define POSNET_NO_TOKEN     (-1)

/* CRC-16/XMODEM of n bytes. posnet_crc16("123456789", 9) == 0x31C3. */
uint16_t posnet_crc16(const void *p, size_t n);

/* Paper width decides the footer line length (§1.7). */
enum posnet_paper { POSNET_PAPER_57MM = 57, POSNET_PAPER_80MM = 80 };

/* Most characters a text field may hold for this command, in CP1250 bytes
 * (= characters). 0 when no documented limit applies (the frame cap still
 * does). Table (§1.7): trline na 80, op 50, jm 4, rn 25, np 49, nc 51;
 * trnipset ni 30, ds 56; trpayment na 25; trftrln na 40 (57 mm) / 56 (80 mm);
 * trdiscntsubtot/trdiscntbill na 25 (CONTRACT-GUESS: same as `rn`). */
size_t posnet_field_limit(const char *mnemonic, const char *name, enum posnet_paper paper);

/* --- building a frame --------------------------------------------------- */

/* A frame under construction (a command for the driver, a reply for the
 * simulator). Fields keep the order they were added in. The first error is
 * sticky: later adds are ignored, posnet_cmd_encode() returns it, and
 * `err` holds a sentence for the operator naming the field, e.g.
 *   trline: field 'na' is 93 characters long, at most 80 are allowed
 *   trline: field 'na': character U+1F600 at byte 7 cannot be printed (no Windows-1250 form)
 *   trftrln: field 'na' contains control byte 0x0A at position 12
 * so that nothing is sent when any field is bad. */
struct posnet_cmd {
	char mnemonic[POSNET_MNEMONIC_MAX + 1];
	enum posnet_paper paper; /* default 57 mm: the stricter limit */
	int token;               /* POSNET_NO_TOKEN or 0..9999 */
	int rc;                  /* first error (0 or -PL_E*) */
	char err[POSNET_ERRMSG_MAX];
	size_t nfields;
	size_t len;                     /* bytes used in payload */
	char payload[POSNET_FRAME_MAX]; /* "name value TAB"... (CP1250), without mnemonic */
};

/* Start a frame. `mnemonic` is ASCII letters/digits, optionally prefixed
 * with '!' (asynchronous execution, §1.6), or "ERR" for a frame-error reply.
 * A bad mnemonic makes the frame fail (sticky error -PL_EINVAL). */
void posnet_cmd_init(struct posnet_cmd *c, const char *mnemonic);
/* Paper width for the footer-line limit. */
void posnet_cmd_set_paper(struct posnet_cmd *c, enum posnet_paper paper);
/* Attach token 0..9999 (sent as "@%04d"); POSNET_NO_TOKEN removes it. */
int posnet_cmd_set_token(struct posnet_cmd *c, int token);
/* Add a text field given in UTF-8: converted to CP1250, refused with
 * -PL_EINVAL when a character has no CP1250 form or a byte is below 0x20
 * (TAB, CR, LF... would break the frame), -PL_ETOOBIG when longer than
 * posnet_field_limit() or the frame. `name` must be exactly two ASCII
 * letters. Returns the sticky error. */
int posnet_cmd_add_text(struct posnet_cmd *c, const char *name, const char *utf8);
/* Same, for a value already in CP1250 (the simulator echoing printer text). */
int posnet_cmd_add_raw(struct posnet_cmd *c, const char *name, const char *cp1250, size_t len);
/* Add a decimal integer field ("pr999", "wa-100" is refused: v >= 0 only). */
int posnet_cmd_add_int(struct posnet_cmd *c, const char *name, long long v);
/* Add an error field "?nnnn" (a reply: command error code, or frame error
 * code in an ERR frame). */
int posnet_cmd_add_error(struct posnet_cmd *c, int code);

/* Encode the whole frame (STX..ETX) into out[cap]; *outlen gets its length.
 * The token goes after the fields ("trend TAB to999 TAB @0042 TAB"), except
 * in an ERR frame where the template puts it first ("ERR TAB @0042 TAB ?13").
 * lower_hex sends the CRC in lower case (only the simulator's fault mode
 * uses it). Returns the sticky error, or -PL_ETOOBIG when cap is too small. */
int posnet_cmd_encode(const struct posnet_cmd *c, bool lower_hex, uint8_t *out, size_t cap,
		      size_t *outlen);

/* --- parsing frames ----------------------------------------------------- */

enum posnet_msg_kind {
	POSNET_MSG_OK,          /* a command, or a success reply */
	POSNET_MSG_CMD_ERROR,   /* reply "mnemonic TAB ?nnnn": `error` holds nnnn */
	POSNET_MSG_FRAME_ERROR, /* reply "ERR ...": `error` holds the frame error number */
};

struct posnet_field {
	char name[3];      /* two characters + NUL */
	const char *value; /* NUL-terminated CP1250, points into the msg */
	size_t len;
};

/* A decoded frame (command or reply). */
struct posnet_msg {
	enum posnet_msg_kind kind;
	char mnemonic[POSNET_MNEMONIC_MAX + 1]; /* without '!'; "ERR" for frame errors */
	bool async;                             /* had the '!' prefix */
	int token;                              /* POSNET_NO_TOKEN or 0..9999 */
	int error;                              /* CMD_ERROR / FRAME_ERROR code, else 0 */
	const char *err_cmd;   /* FRAME_ERROR: the `cm` field (command refused), or NULL */
	const char *err_field; /* FRAME_ERROR: the `fd` field (offending field), or NULL */
	uint16_t crc;          /* as received */
	size_t nfields;        /* fields other than token and error */
	struct posnet_field fields[POSNET_FIELDS_MAX];
	size_t payload_len;
	char payload[POSNET_FRAME_MAX]; /* the bytes between STX and '#', TABs replaced by NUL */
};

/* Value of the first field called `name`, or NULL. */
const char *posnet_msg_get(const struct posnet_msg *m, const char *name);
/* Integer value of field `name`: 0, -PL_ENOTFOUND when absent, -PL_EINVAL
 * when not a plain decimal integer. */
int posnet_msg_get_int(const struct posnet_msg *m, const char *name, long long *out);

/* Decode one frame body: the bytes between STX and ETX exclusive
 * ("trline\tnaX\t#B23A"). Returns 0, or a negative code with *frame_error
 * (may be NULL) set to the POSNET frame error number the device would send
 * (§1.4): 15 checksum missing, 5 bad CRC, 4 bad token, 6 parameter name
 * missing, 1 bad mnemonic, 11 too long. `strict_upper` refuses lower-case
 * CRC digits (error 5). */
int posnet_frame_decode(const uint8_t *body, size_t len, bool strict_upper, struct posnet_msg *m,
			int *frame_error, char *err, size_t errcap);

/* Incremental frame reader fed arbitrary chunks of a byte stream.
 * Bytes before STX are skipped (counted in `skipped`); an STX inside a frame
 * restarts the frame (the truncated one is reported); a frame longer than
 * POSNET_FRAME_MAX is reported once and skipped up to its ETX. */
struct posnet_parser {
	bool strict_upper; /* refuse lower-case CRC (the simulator's strict option) */
	bool in_frame;
	bool overflow; /* skipping the rest of an over-long frame */
	size_t len;
	uint64_t skipped; /* garbage bytes outside frames */
	int frame_error;  /* after a negative feed: POSNET frame error number (see decode) */
	char err[POSNET_ERRMSG_MAX];
	uint8_t buf[POSNET_FRAME_MAX];
};

enum posnet_feed {
	POSNET_FEED_MORE = 0,  /* all bytes consumed, no complete frame yet */
	POSNET_FEED_FRAME = 1, /* *m holds a frame; feed the remaining bytes again */
};

void posnet_parser_init(struct posnet_parser *p);
/* Forget a partial frame (after a timeout or a flush). */
void posnet_parser_reset(struct posnet_parser *p);
/* Consume bytes from data[len] up to and including the end of the first
 * complete frame; *used gets the number consumed (always > 0 when len > 0).
 * Returns POSNET_FEED_MORE, POSNET_FEED_FRAME, or a negative code for a bad
 * frame: -PL_EPROTO (bad CRC, no checksum, malformed, truncated by a new
 * STX), -PL_ETOOBIG (over-long); p->err says why and p->frame_error gives
 * the POSNET frame error number. After an error simply feed the rest. */
int posnet_parser_feed(struct posnet_parser *p, const uint8_t *data, size_t len, size_t *used,
		       struct posnet_msg *m);

#endif
