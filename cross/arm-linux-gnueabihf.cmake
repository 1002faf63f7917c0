# SPDX-License-Identifier: Apache-2.0
# cross/arm-linux-gnueabihf.cmake - 32-bit ARM hard-float (Debian armhf:
# ARMv7-A + VFPv3-D16, Thumb-2): small packing-station boxes, Raspberry Pi 2+
# with a 32-bit OS. Not ARMv6: Debian's armhf baseline does not run on a
# Raspberry Pi 1 / Zero (Raspberry Pi OS's own armhf is ARMv6).
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake
# Needs: gcc-arm-linux-gnueabihf qemu-user, and cross/make-sysroot.sh armhf.
set(PL_CROSS_TRIPLET arm-linux-gnueabihf)
set(PL_CROSS_PROCESSOR armv7l)
set(PL_CROSS_DEBARCH armhf)
set(PL_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)

# 64-bit time_t and off_t (glibc >= 2.34; Debian 12 has 2.36). Decision: a
# collector bought today runs past 19 January 2038, and even today the agent
# reads dates beyond it (token expiries, certificate validity, numbering
# periods of a 2040 test). With a 32-bit time_t, time(), gmtime_r(),
# timegm() and stat() wrap there. The price: Debian 12's armhf libraries were
# built with a 32-bit time_t (the t64 transition came with Debian 13), so any
# library function or struct that carries a time_t or struct timeval/timespec
# has a different ABI in our code than in the library. Those calls are
# listed in cross/time64-abi.txt and tests/sh/test_time64.sh fails the build
# when the agent links one. off_t needs no such list: every library we use
# was itself built with _FILE_OFFSET_BITS=64.
string(APPEND CMAKE_C_FLAGS_INIT " -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64")
