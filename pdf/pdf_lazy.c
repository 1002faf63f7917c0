/* SPDX-License-Identifier: Apache-2.0 */
/* pdf/pdf_lazy.c - libharfbuzz-subset, libqrencode and zlib loaded on first
 * use (base/lazylib.h). Each function pdf.c calls is defined here under its
 * real name with the library's own prototype (a mismatch does not compile)
 * and forwards to the real one. libharfbuzz-subset depends on libharfbuzz:
 * dlsym on its handle finds hb_face_create & co in that dependency too. */
#include "pdf/pdf_lazy.h"
#include "base/err.h"
#include "base/lazylib.h"

#if PL_HAVE_PDF
#include <hb-subset.h>
#include <hb.h>
#include <qrencode.h>
#include <zlib.h>

#define HB_LAZY_FNS(X, XV)                                                                         \
	X(hb_blob_t *, hb_blob_create_from_file_or_fail, (const char *f), (f))                     \
	XV(hb_blob_destroy, (hb_blob_t * b), (b))                                                  \
	X(const char *, hb_blob_get_data, (hb_blob_t * b, unsigned int *len), (b, len))            \
	X(hb_face_t *, hb_face_create, (hb_blob_t * b, unsigned int i), (b, i))                    \
	XV(hb_face_destroy, (hb_face_t * f), (f))                                                  \
	X(unsigned int, hb_face_get_upem, (const hb_face_t *f), (f))                               \
	X(unsigned int, hb_face_get_glyph_count, (const hb_face_t *f), (f))                        \
	X(hb_blob_t *, hb_face_reference_table, (const hb_face_t *f, hb_tag_t t), (f, t))          \
	X(hb_blob_t *, hb_face_reference_blob, (hb_face_t * f), (f))                               \
	X(hb_font_t *, hb_font_create, (hb_face_t * f), (f))                                       \
	XV(hb_font_destroy, (hb_font_t * f), (f))                                                  \
	X(hb_bool_t, hb_font_get_nominal_glyph,                                                    \
	  (hb_font_t * f, hb_codepoint_t u, hb_codepoint_t * g), (f, u, g))                        \
	X(hb_position_t, hb_font_get_glyph_h_advance, (hb_font_t * f, hb_codepoint_t g), (f, g))   \
	X(hb_bool_t, hb_font_get_h_extents, (hb_font_t * f, hb_font_extents_t * e), (f, e))        \
	X(hb_subset_input_t *, hb_subset_input_create_or_fail, (void), ())                         \
	XV(hb_subset_input_destroy, (hb_subset_input_t * i), (i))                                  \
	X(hb_set_t *, hb_subset_input_glyph_set, (hb_subset_input_t * i), (i))                     \
	X(hb_set_t *, hb_subset_input_unicode_set, (hb_subset_input_t * i), (i))                   \
	XV(hb_subset_input_set_flags, (hb_subset_input_t * i, unsigned v), (i, v))                 \
	X(hb_face_t *, hb_subset_or_fail, (hb_face_t * f, const hb_subset_input_t *i), (f, i))     \
	XV(hb_set_add, (hb_set_t * s, hb_codepoint_t c), (s, c))                                   \
	XV(hb_set_clear, (hb_set_t * s), (s))

#define QR_LAZY_FNS(X, XV)                                                                         \
	X(QRcode *, QRcode_encodeString,                                                           \
	  (const char *s, int v, QRecLevel l, QRencodeMode m, int cs), (s, v, l, m, cs))           \
	XV(QRcode_free, (QRcode * q), (q))

#define Z_LAZY_FNS(X, XV)                                                                          \
	X(int, compress2, (Bytef * d, uLongf * dl, const Bytef *s, uLong sl, int lv),              \
	  (d, dl, s, sl, lv))                                                                      \
	X(uLong, compressBound, (uLong n), (n))

/* Three libraries, three slot tables: each X-macro list gets its own enum,
 * names and struct lazylib; the forwarders name the library they use. */
#define lazy_lib lazy_hb
enum { HB_LAZY_FNS(LAZYLIB_ENUM, LAZYLIB_ENUMV) HB_COUNT };
static const char *const hb_names[] = {HB_LAZY_FNS(LAZYLIB_NAME, LAZYLIB_NAMEV)};
static void *hb_fns[HB_COUNT];
static struct lazylib lazy_hb =
    LAZYLIB_INIT("libharfbuzz-subset.so.0", "libharfbuzz-subset0", hb_names, hb_fns);
HB_LAZY_FNS(LAZYLIB_FWD, LAZYLIB_FWDV)
#undef lazy_lib

#define lazy_lib lazy_qr
enum { QR_LAZY_FNS(LAZYLIB_ENUM, LAZYLIB_ENUMV) QR_COUNT };
static const char *const qr_names[] = {QR_LAZY_FNS(LAZYLIB_NAME, LAZYLIB_NAMEV)};
static void *qr_fns[QR_COUNT];
static struct lazylib lazy_qr = LAZYLIB_INIT("libqrencode.so.4", "libqrencode4", qr_names, qr_fns);
QR_LAZY_FNS(LAZYLIB_FWD, LAZYLIB_FWDV)
#undef lazy_lib

#define lazy_lib lazy_z
enum { Z_LAZY_FNS(LAZYLIB_ENUM, LAZYLIB_ENUMV) Z_COUNT };
static const char *const z_names[] = {Z_LAZY_FNS(LAZYLIB_NAME, LAZYLIB_NAMEV)};
static void *z_fns[Z_COUNT];
static struct lazylib lazy_z = LAZYLIB_INIT("libz.so.1", "zlib1g", z_names, z_fns);
Z_LAZY_FNS(LAZYLIB_FWD, LAZYLIB_FWDV)
#undef lazy_lib

int pdf_lazy_load(const char **why)
{
	struct lazylib *libs[] = {&lazy_hb, &lazy_qr, &lazy_z};

	for (size_t i = 0; i < 3; i++) {
		if (lazylib_load(libs[i])) {
			if (why)
				*why = lazylib_error(libs[i]);
			return -PL_ENOTSUP;
		}
	}
	if (why)
		*why = "";
	return 0;
}
#else
int pdf_lazy_load(const char **why)
{
	if (why)
		*why = "packline was built without PDF support (libharfbuzz-dev, libqrencode-dev, "
		       "zlib1g-dev missing at build time)";
	return -PL_ENOTSUP;
}
#endif
