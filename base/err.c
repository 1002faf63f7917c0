/* SPDX-License-Identifier: Apache-2.0 */
/* base/err.c - messages and names for PL_E* codes. */
#include "base/err.h"

const char *pl_strerror(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case PL_OK:
		return "success";
#define PL_STRERROR_GEN(name, msg)                                                                 \
	case PL_E##name:                                                                           \
		return msg;
		PL_ERR_MAP(PL_STRERROR_GEN)
#undef PL_STRERROR_GEN
	default:
		return "unknown error";
	}
}

const char *pl_errname(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case PL_OK:
		return "PL_OK";
#define PL_ERRNAME_GEN(name, msg)                                                                  \
	case PL_E##name:                                                                           \
		return "PL_E" #name;
		PL_ERR_MAP(PL_ERRNAME_GEN)
#undef PL_ERRNAME_GEN
	default:
		return "PL_E?";
	}
}
