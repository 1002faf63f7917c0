# SPDX-License-Identifier: Apache-2.0
# cross/aarch64-linux-gnu.cmake - 64-bit ARM (Debian arm64): handheld
# collectors, Raspberry Pi 3/4/5 with a 64-bit OS.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cross/aarch64-linux-gnu.cmake
# Needs: gcc-aarch64-linux-gnu qemu-user, and cross/make-sysroot.sh arm64.
set(PL_CROSS_TRIPLET aarch64-linux-gnu)
set(PL_CROSS_PROCESSOR aarch64)
set(PL_CROSS_DEBARCH arm64)
set(PL_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
