# SPDX-License-Identifier: Apache-2.0
# cross/toolchain-common.cmake - shared body of the packline toolchain files.
#
# The including file sets PL_CROSS_TRIPLET (GNU triplet of Debian's cross gcc),
# PL_CROSS_PROCESSOR, PL_CROSS_DEBARCH (Debian architecture: sysroot name) and
# PL_CROSS_QEMU (qemu-user program). Everything else is common:
#
#  * compiler: Debian's <triplet>-gcc (gcc-<triplet> package, gcc 12);
#  * sysroot: a Debian 12 tree of the target's -dev packages made by
#    cross/make-sysroot.sh (default <repo>/.sysroot/<debarch>; override with
#    -DPL_SYSROOT=DIR or the PL_SYSROOT environment variable);
#  * pkg-config: reads only the sysroot's .pc files and prefixes their paths
#    with the sysroot, so pkg_check_modules() in the root CMakeLists works
#    unchanged;
#  * tests: CMAKE_CROSSCOMPILING_EMULATOR runs every add_test(NAME .. COMMAND
#    <target>) through cross/qemu-run.sh: qemu-user with the sysroot as
#    library prefix, a preloaded exec shim (a test may start other target
#    programs), and timeout(1) (PL_QEMU_TIMEOUT seconds, default 300) so a
#    guest that spins - libusb_init() does under qemu 7.2 unless device
#    discovery is off - can never hang CI; ctest's own TIMEOUT applies on
#    top. The guest sees PL_EMULATED=<debarch>.
#
# This file is read again for every try_compile, so it must not depend on
# cache variables that try_compile does not forward (see the list below).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${PL_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${PL_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PL_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${PL_CROSS_TRIPLET})

if(NOT PL_SYSROOT)
  if(DEFINED ENV{PL_SYSROOT} AND NOT "$ENV{PL_SYSROOT}" STREQUAL "")
    set(PL_SYSROOT "$ENV{PL_SYSROOT}")
  else()
    get_filename_component(PL_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../.sysroot/${PL_CROSS_DEBARCH}"
      ABSOLUTE)
  endif()
endif()
if(NOT EXISTS "${PL_SYSROOT}/usr/lib/${PL_CROSS_TRIPLET}/libc.so")
  message(FATAL_ERROR "No ${PL_CROSS_DEBARCH} sysroot at ${PL_SYSROOT}.\n"
    "Make it with: cross/make-sysroot.sh ${PL_CROSS_DEBARCH}  (or run scripts/cross-build.sh)")
endif()
set(PL_SYSROOT "${PL_SYSROOT}" CACHE PATH "Target sysroot (cross/make-sysroot.sh)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PL_SYSROOT)

set(CMAKE_SYSROOT "${PL_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${PL_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # build tools come from the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The sysroot is not a multiarch-aware install the linker knows about: name
# its library dirs for the indirect dependencies of shared libraries
# (libcurl -> libssl -> ...), which ld resolves but never links directly.
set(_pl_libdirs "${PL_SYSROOT}/usr/lib/${PL_CROSS_TRIPLET}:${PL_SYSROOT}/lib/${PL_CROSS_TRIPLET}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_pl_libdirs}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_pl_libdirs}")

set(ENV{PKG_CONFIG_LIBDIR}
  "${PL_SYSROOT}/usr/lib/${PL_CROSS_TRIPLET}/pkgconfig:${PL_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${PL_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")

find_program(PL_QEMU_PROGRAM ${PL_CROSS_QEMU})
if(PL_QEMU_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR
    ${CMAKE_CURRENT_LIST_DIR}/qemu-run.sh;${PL_CROSS_DEBARCH};${PL_SYSROOT})
else()
  message(WARNING "${PL_CROSS_QEMU} not found (apt-get install qemu-user): "
    "tests cannot run on this host")
endif()
