/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_errors.c - POSNET error table (see posnet_errors.h). */
#include "fiscal/posnet_errors.h"

#include <stddef.h>

/* Codes a packing station meets (research fiscal-printers.md §1.4 and the
 * spec's error list, POT-I-DEV-37). Sorted by code. */
static const struct posnet_error_info errors[] = {
    {30, "ERR_CANCEL", "the operation was cancelled at the printer", POSNET_ERRC_OPERATOR},
    {40, "ERR_CMD_BLOCKED_FOR_INTERFACE",
     "the printer does not accept this command on this connection (check its interface "
     "settings)",
     POSNET_ERRC_FATAL},
    {41, "ERR_CMD_TRY_LATER",
     "the printer is busy with another computer or its keyboard: wait and try again",
     POSNET_ERRC_BUSY},
    {50, "ERR_UNKN", "the printer failed to execute the command (internal error)",
     POSNET_ERRC_FATAL},
    {323, "ERR_OPER_BLOCKED", "this function is disabled in the printer's configuration",
     POSNET_ERRC_FATAL},
    {382, "ERR_RD_ZERO", "the daily report was not printed: there were no sales since the last one",
     POSNET_ERRC_REPORT},
    {383, "ERR_RD_NOT_PRINTED",
     "the daily report for the previous day is missing: print the daily report first",
     POSNET_ERRC_REPORT},
    {387, "ERR_SL_FM_LOCKED", "sales are blocked: the fiscal memory is full (call service)",
     POSNET_ERRC_FATAL},
    {460, "ERR_CLOCK_RTC_FSK", "the printer's clock failed (call service)", POSNET_ERRC_FATAL},
    {484, "ERR_AUTH_BLOCKED", "the printer's working time has expired: sales are blocked",
     POSNET_ERRC_FATAL},
    {499, "ERR_ACTIVE_PROTO_THERMAL",
     "the printer is set to the Thermal protocol: switch it to POSNET", POSNET_ERRC_FATAL},
    {752, "ERR_THERMAL_OVER_TCPIP", "the Thermal protocol is not available over the network",
     POSNET_ERRC_FATAL},
    {1000, "ERR_FATAL_FM", "fatal fiscal memory error (call service)", POSNET_ERRC_FATAL},
    {1001, "ERR_FM_NCONN", "the fiscal memory is disconnected (call service)", POSNET_ERRC_FATAL},
    {1002, "ERR_FM_WRITE", "fiscal memory write error (call service)", POSNET_ERRC_FATAL},
    {1039, "ERR_FM_PROTMEM_FULL",
     "the printer's protected memory is full (call service to replace it)", POSNET_ERRC_FATAL},
    {1950, "ERR_TR_TOT_OVR", "the receipt total is too large", POSNET_ERRC_DATA},
    {1953, "ERR_PAYMENT_OVR", "the payments already cover the amount due", POSNET_ERRC_DATA},
    {1962, "ERR_TR_PF_ZERO", "a payment of 0 is not allowed", POSNET_ERRC_DATA},
    {1980, "ERR_TR_DISCNT_BASE_OVR", "the discount base is out of range", POSNET_ERRC_DATA},
    {1983, "ERR_TR_DISCNT_BASE_NEGATIVE_OR_ZERO",
     "a discount cannot be applied to a zero or negative value", POSNET_ERRC_DATA},
    {1984, "ERR_TR_DISCNT_ZERO", "the discount or markup is zero", POSNET_ERRC_DATA},
    {1985, "ERR_TR_DISCNT_AFTER_NEGATIVE_OR_ZERO",
     "the discount is larger than the value it applies to", POSNET_ERRC_DATA},
    {1990, "ERR_TR_STORNO_NOT_ALLOWED", "this position cannot be reversed now", POSNET_ERRC_STATE},
    {1991, "ERR_TR_DISCNT_NOT_ALLOWED", "a discount is not allowed at this point",
     POSNET_ERRC_STATE},
    {1992, "ERR_TR_EMPTY", "the receipt has no positions", POSNET_ERRC_DATA},
    {2000, "ERR_TR_FLD_VAT",
     "the VAT rate of a line is not active on the printer (check the printer's rate table)",
     POSNET_ERRC_DATA},
    {2001, "ERR_TR_FLD_QUANT_FRACTIONAL", "the quantity must be a whole number", POSNET_ERRC_DATA},
    {2002, "ERR_NO_HDR", "the printer has no receipt header programmed (call service)",
     POSNET_ERRC_FATAL},
    {2004, "ERR_NO_VAT", "the printer has no active VAT rates (call service)", POSNET_ERRC_FATAL},
    {2005, "ERR_NO_TRNS_MODE", "no receipt is open on the printer", POSNET_ERRC_STATE},
    {2006, "ERR_TR_FLD_PRICE", "a line has a price of zero or less", POSNET_ERRC_DATA},
    {2007, "ERR_TR_FLD_QUANT", "a line has a quantity of zero or less", POSNET_ERRC_DATA},
    {2008, "ERR_TR_FLD_TOTAL", "a line total is not price times quantity", POSNET_ERRC_DATA},
    {2009, "ERR_TR_FLD_TOTAL_ZERO", "a line total is zero", POSNET_ERRC_DATA},
    {2010, "ERR_TOT_OVR", "the daily totals would overflow: print the daily report first",
     POSNET_ERRC_REPORT},
    {2031, "ERR_FLD_TIN", "the buyer's NIP is not valid", POSNET_ERRC_DATA},
    {2033, "ERR_FISC_MODE", "the printer is in fiscal mode", POSNET_ERRC_STATE},
    {2034, "ERR_NO_FISC_MODE", "the printer is not fiscalised", POSNET_ERRC_FATAL},
    {2036, "ERR_READ_ONLY", "the printer is in read-only mode (call service)", POSNET_ERRC_FATAL},
    {2038, "ERR_TRNS_MODE", "a receipt is already open on the printer", POSNET_ERRC_STATE},
    {2041, "ERR_TR_END_VAL_0", "a receipt cannot end with a value of 0", POSNET_ERRC_DATA},
    {2052, "ERR_TR_NO_MEM", "the receipt has too many positions for the printer", POSNET_ERRC_DATA},
    {2054, "ERR_TR_END_PAYMENT",
     "totals mismatch: the payments do not cover the amount due or the change", POSNET_ERRC_DATA},
    {2056, "ERR_EMPTY_TXT", "a text field is empty", POSNET_ERRC_DATA},
    {2057, "ERR_SIZE", "a text is too long for the printer", POSNET_ERRC_DATA},
    {2060, "ERR_TR_BAD_STATE", "the receipt is in the wrong state for this command",
     POSNET_ERRC_STATE},
    {2062, "ERR_PRN_START", "part of another document is printed: finish or cancel it",
     POSNET_ERRC_STATE},
    {2064, "ERR_FTR_NO_HDR", "no receipt or printout is open", POSNET_ERRC_STATE},
    {2066, "ERR_FTR_NO_FTR", "the receipt footer was not started", POSNET_ERRC_STATE},
    {2096, "ERR_TIN_LENGTH", "the buyer's NIP must have exactly 10 digits", POSNET_ERRC_DATA},
    {2098, "ERR_FM_DOC_FULL", "the fiscal memory is full (call service)", POSNET_ERRC_FATAL},
    {2102, "ERR_DF_DB_VAT_INACTIVE", "the VAT rate is not active", POSNET_ERRC_DATA},
    {2103, "ERR_DF_DB_VAT_INVALID", "the VAT rate is not valid", POSNET_ERRC_DATA},
    {2104, "ERR_DF_DB_NAME", "the goods name is not valid (empty or only punctuation)",
     POSNET_ERRC_DATA},
    {2106, "ERR_DF_DB_LOCKED",
     "rate lock: this goods name was sold at a lower VAT rate before and cannot be sold at a "
     "higher one (rename the goods or check its VAT rate)",
     POSNET_ERRC_DATA},
    {2600, "ERR_DISCNT_TYPE", "the discount type is not valid", POSNET_ERRC_DATA},
    {2601, "ERR_TR_DISCNT_VALUE", "the discount value is out of range", POSNET_ERRC_DATA},
    {2701, "ERR_VAT_ID", "the VAT rate slot is not valid", POSNET_ERRC_DATA},
    {2702, "ERR_FTRLN_ID", "the footer line kind is not valid", POSNET_ERRC_DATA},
    {2703, "ERR_FTRLN_CNT", "too many footer lines", POSNET_ERRC_DATA},
    {2704, "ERR_ACC_LOW", "the printer's battery is too low: connect the power supply",
     POSNET_ERRC_OPERATOR},
    {2705, "ERR_PF_TYPE", "the payment type is not valid", POSNET_ERRC_DATA},
    {2706, "ERR_CHARGER_NOT_CONNECTED", "the printer's power supply is not connected",
     POSNET_ERRC_OPERATOR},
    {2801, "ERR_DISCNT_VERIFY", "totals mismatch: the discount value does not verify",
     POSNET_ERRC_DATA},
    {2802, "ERR_LNTOT_VERIFY", "totals mismatch: a line value does not verify", POSNET_ERRC_DATA},
    {2805, "ERR_ENDTOT_VERIFY",
     "totals mismatch: the receipt total sent does not match what the printer summed",
     POSNET_ERRC_DATA},
    {2808, "ERR_ENDPAYMENT_VERIFY", "totals mismatch: the payments sum does not verify",
     POSNET_ERRC_DATA},
    {2809, "ERR_ENDCHANGE_VERIFY", "totals mismatch: the change does not verify", POSNET_ERRC_DATA},
    {2851, "ERR_STORNO_QNT", "storno refused: the quantity does not match a sold position",
     POSNET_ERRC_DATA},
    {2852, "ERR_STORNO_AMT", "storno refused: the value does not match a sold position",
     POSNET_ERRC_DATA},
    {2900, "ERR_EC_NOT_ENOUGH_SPACE",
     "the printer's protected memory has no room for this document (call service)",
     POSNET_ERRC_FATAL},
    {2904, "ERR_EC_EDM_FULL", "the printer's protected memory is full (call service)",
     POSNET_ERRC_FATAL},
    {2907, "ERR_EC_EDM_MISSING", "the printer cannot reach its protected memory",
     POSNET_ERRC_FATAL},
    {3733, "ERR_CERTIFICATE_LOCK_SALE",
     "sales are blocked: the printer has not sent its keys to the tax repository",
     POSNET_ERRC_FATAL},
    {3735, "ERR_CERTIFICATE_EXCHANGE_REQUIRED",
     "sales are blocked: the printer needs new certificates", POSNET_ERRC_FATAL},
};

const struct posnet_error_info *posnet_error_lookup(int code)
{
	size_t lo = 0, hi = sizeof(errors) / sizeof(errors[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (errors[mid].code == code)
			return &errors[mid];
		if (errors[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *posnet_error_message(int code)
{
	const struct posnet_error_info *e = posnet_error_lookup(code);

	if (e)
		return e->message;
	if (code >= 1000 && code <= 1099)
		return "fiscal memory error (call service)";
	return "the printer refused the command (unknown error code)";
}

enum posnet_err_class posnet_error_class(int code)
{
	const struct posnet_error_info *e = posnet_error_lookup(code);

	if (e)
		return e->cls;
	if (code >= 1000 && code <= 1099)
		return POSNET_ERRC_FATAL;
	return POSNET_ERRC_UNKNOWN;
}

const char *posnet_frame_error_message(int code)
{
	switch (code) {
	case 1:
		return "the printer does not know the command";
	case 2:
		return "a mandatory field is missing";
	case 3:
		return "a field value could not be converted (format or range)";
	case 4:
		return "bad token";
	case 5:
		return "bad checksum (the line is noisy or the settings differ)";
	case 6:
		return "frame error: a field has no name";
	case 10:
		return "a field has the wrong length";
	case 11:
		return "the printer's input buffer overflowed";
	case 12:
		return "the command cannot run in immediate mode";
	case 13:
		return "the printer has no stored reply for this token";
	case 14:
		return "the printer's input queue is full";
	case 15:
		return "frame error: checksum missing";
	default:
		return "the printer rejected the frame (unknown frame error)";
	}
}

const char *posnet_sprn_message(int pr)
{
	switch (pr) {
	case 0:
		return "printer mechanism ready";
	case 1:
		return "the printer lever is up or the cover is open: close it";
	case 2:
		return "the printing mechanism cannot be reached (call service)";
	case 3:
		return "the printer cover is up: close it";
	case 5:
		return "the printer is out of paper: load a new roll";
	case 6:
		return "the print head is too hot or the supply voltage is wrong: wait a moment";
	case 7:
		return "the printer had a brief power loss";
	case 8:
		return "the paper cutter is blocked: open the cover and free it";
	case 9:
		return "the printer's power supply failed";
	case 10:
		return "the cover was opened while cutting: close it";
	default:
		return "the printing mechanism reports an unknown problem";
	}
}

const char *posnet_sdev_message(int ds)
{
	switch (ds) {
	case 0:
		return "printer ready";
	case 1:
		return "the printer is in its menu: leave the menu on the printer's keyboard";
	case 2:
		return "the printer waits for a key press on its keyboard";
	case 3:
		return "the printer shows an error and waits for the operator: check its display";
	default:
		return "the printer reports an unknown state";
	}
}

const char *posnet_err_class_name(enum posnet_err_class cls)
{
	switch (cls) {
	case POSNET_ERRC_OPERATOR:
		return "operator";
	case POSNET_ERRC_REPORT:
		return "report";
	case POSNET_ERRC_DATA:
		return "data";
	case POSNET_ERRC_STATE:
		return "state";
	case POSNET_ERRC_BUSY:
		return "busy";
	case POSNET_ERRC_FATAL:
		return "fatal";
	case POSNET_ERRC_PROTOCOL:
		return "protocol";
	case POSNET_ERRC_UNKNOWN:
		break;
	}
	return "unknown";
}
