# SPDX-License-Identifier: Apache-2.0
# cmake/Packaging.cmake - install rules for the service files and the Debian
# package (CPack DEB) for amd64, arm64 and armhf: `cpack -G DEB` in a build
# dir (a cross build dir gives the ARM package). Included at the end of the
# root CMakeLists.txt (after agent/ has defined the packline target).
#
# Package contents: /usr/bin/packline, /etc/packline/packline.ini (conffile),
# /lib/systemd/system/packline.service, /lib/udev/rules.d/60-packline.rules,
# /usr/share/man/man1/packline.1.gz, /usr/share/doc/packline/{copyright,
# examples/packline.ini}; maintainer scripts in packaging/ create the
# `packline` system user and its device groups (postinst).

set(PL_PKG ${PROJECT_SOURCE_DIR}/packaging)

install(FILES ${PL_PKG}/packline.ini DESTINATION /etc/packline PERMISSIONS OWNER_READ OWNER_WRITE
  GROUP_READ)
install(FILES ${PL_PKG}/packline.service DESTINATION /lib/systemd/system)
install(FILES ${PL_PKG}/60-packline.rules DESTINATION /lib/udev/rules.d)

# man page, compressed as Debian policy wants (-n: no timestamp, reproducible)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/packline.1.gz
  COMMAND gzip -9n -c ${PL_PKG}/packline.1 > ${PROJECT_BINARY_DIR}/packline.1.gz
  DEPENDS ${PL_PKG}/packline.1 VERBATIM)
add_custom_target(pl_man ALL DEPENDS ${PROJECT_BINARY_DIR}/packline.1.gz)
install(FILES ${PROJECT_BINARY_DIR}/packline.1.gz DESTINATION share/man/man1)
install(FILES ${PL_PKG}/copyright DESTINATION share/doc/packline)
if(EXISTS ${PROJECT_SOURCE_DIR}/examples/packline.ini)
  install(FILES ${PROJECT_SOURCE_DIR}/examples/packline.ini DESTINATION share/doc/packline/examples)
endif()

# --- CPack DEB ---------------------------------------------------------------
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(pl_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(pl_deb_arch armhf)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(pl_deb_arch amd64)
else()
  set(pl_deb_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME packline)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "packline maintainers <maintainers@packline.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "packing-station agent: orders, fiscal receipts, invoices, labels")
set(CPACK_PACKAGE_DESCRIPTION "packline runs on a warehouse packing station: it imports orders, \
decides by rules which document each gets, prints fiscal receipts on POSNET printers, issues \
invoices and prints shipping labels, recording every step so that numbers are gapless and \
nothing is printed twice.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${pl_deb_arch})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# PDF output (docs pdf) opens these on first use (pdf/pdf_lazy.c): without them
# only that command fails, saying which package is missing.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
  "cups-daemon, libharfbuzz-subset0, libqrencode4, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PL_PKG}/conffiles ${PL_PKG}/postinst ${PL_PKG}/prerm ${PL_PKG}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/packages)

# Depends: computed when cpack runs, from the NEEDED entries of the binary
# (readelf reads any architecture, so this works for cross builds, where
# dpkg-shlibdeps has no target dpkg database). Each soname maps to its Debian
# 12 package; an unknown soname stops cpack so a new library gets an entry.
# tests/sh/test_packaging.sh checks the amd64 result against dpkg-shlibdeps.
set(PL_DEB_SONAMES
  "libc.so.6=libc6 (>= 2.34)"
  "libm.so.6=libc6 (>= 2.34)"
  "libsqlite3.so.0=libsqlite3-0 (>= 3.20.0)"
  "libinih.so.1=libinih1 (>= 40)"
  "libcjson.so.1=libcjson1 (>= 1.7.13)"
  "libcurl.so.4=libcurl4 (>= 7.62.0)"
  "libserialport.so.0=libserialport0 (>= 0.1.1)"
  "libusb-1.0.so.0=libusb-1.0-0 (>= 2:1.0.22)"
  "libudev.so.1=libudev1 (>= 183)"
  "libcups.so.2=libcups2 (>= 2.3.0)"
  "libpq.so.5=libpq5 (>= 13)"
  "libmicrohttpd.so.12=libmicrohttpd12 (>= 0.9.72)"
  "libhpdf-2.3.0.so=libhpdf-2.3.0"
  "libzip.so.4=libzip4 (>= 1.7.0)"
  "libz.so.1=zlib1g (>= 1:1.2.11)"
  "libgcc_s.so.1=libgcc-s1 (>= 3.0)"
  "libatomic.so.1=libatomic1 (>= 4.8)"
  "libssl.so.3=libssl3 (>= 3.0.0)"
  "libcrypto.so.3=libssl3 (>= 3.0.0)"
  # a PL_SANITIZE build (CI's test build packages too)
  "libasan.so.8=libasan8"
  "libubsan.so.1=libubsan1")
# Libraries packline opens with dlopen on first use (base/lazylib.h): no
# NEEDED entry names them, so they are listed here. They stay Depends, not
# Recommends: HTTP connectors and CUPS labels are ordinary configurations.
set(PL_DEB_DLOPEN "libcurl4 (>= 7.62.0)" "libcups2 (>= 2.3.0)")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/CPackDebDepends.cmake CONTENT "
set(pl_bin \"$<TARGET_FILE:packline>\")
set(pl_map \"${PL_DEB_SONAMES}\")
execute_process(COMMAND readelf -dW \${pl_bin} OUTPUT_VARIABLE pl_dyn RESULT_VARIABLE pl_rc)
if(NOT pl_rc EQUAL 0)
  message(FATAL_ERROR \"readelf -d \${pl_bin} failed\")
endif()
string(REGEX MATCHALL \"\\\\(NEEDED\\\\)[^\\n]*\\\\[[^]\\n]+\\\\]\" pl_needed \"\${pl_dyn}\")
set(pl_deps adduser)
foreach(line IN LISTS pl_needed)
  string(REGEX REPLACE \".*\\\\[([^]]+)\\\\]\" \"\\\\1\" so \"\${line}\")
  if(so MATCHES \"^ld-linux\")
    continue()
  endif()
  set(dep \"\")
  foreach(m IN LISTS pl_map)
    if(m MATCHES \"^([^=]+)=(.+)$\" AND CMAKE_MATCH_1 STREQUAL so)
      set(dep \"\${CMAKE_MATCH_2}\")
    endif()
  endforeach()
  if(dep STREQUAL \"\")
    message(FATAL_ERROR \"packline needs \${so}: add its Debian package to PL_DEB_SONAMES in cmake/Packaging.cmake\")
  endif()
  list(APPEND pl_deps \"\${dep}\")
endforeach()
list(APPEND pl_deps \"${PL_DEB_DLOPEN}\")
list(REMOVE_DUPLICATES pl_deps)
list(JOIN pl_deps \", \" CPACK_DEBIAN_PACKAGE_DEPENDS)
")
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/CPackDebDepends.cmake)
include(CPack)
