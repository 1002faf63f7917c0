/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/curl_lazy.h - libcurl loaded on first use (base/lazylib.h). */
#ifndef PL_CONNECTORS_CURL_LAZY_H
#define PL_CONNECTORS_CURL_LAZY_H

/* Load libcurl: 0, or -PL_ENOTSUP with *why (static storage, may be NULL)
 * naming the library, its Debian package and the loader's reason. */
int curl_lazy_load(const char **why);

#endif
