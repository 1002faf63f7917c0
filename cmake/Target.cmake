# SPDX-License-Identifier: Apache-2.0
# cmake/Target.cmake - settings that depend on the target machine: a 64-bit
# time_t on 32-bit targets, and the PL_STATIC option. Included at the end of
# the root CMakeLists.txt (it edits pl_build and the PkgConfig:: targets, whose
# properties are read at generation time).

# --- 64-bit time_t on 32-bit Linux (armhf) -----------------------------------
# The decision and its library-boundary hazards are explained in
# cross/arm-linux-gnueabihf.cmake and cross/time64-abi.txt. The toolchain file
# sets the flags; setting them here as well keeps them when someone passes
# their own CMAKE_C_FLAGS (which replaces the toolchain's _INIT flags), and
# the check fails the configure on a libc that cannot do it (glibc < 2.34).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SIZEOF_VOID_P EQUAL 4)
  target_compile_definitions(pl_build INTERFACE _TIME_BITS=64 _FILE_OFFSET_BITS=64)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_DEFINITIONS -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64)
  check_c_source_compiles("#include <time.h>
#include <sys/types.h>
_Static_assert(sizeof(time_t) == 8, \"time_t\");
_Static_assert(sizeof(off_t) == 8, \"off_t\");
int main(void) { return 0; }" PL_HAVE_TIME64)
  unset(CMAKE_REQUIRED_DEFINITIONS)
  if(NOT PL_HAVE_TIME64)
    message(FATAL_ERROR "this 32-bit target has no 64-bit time_t (needs glibc >= 2.34): "
      "packline would get every date after 2038-01-19 wrong")
  endif()
endif()

# --- PL_STATIC: mostly-static binary -----------------------------------------
# For terminals whose vendor image has no package manager. A dependency is
# linked from its static archive only when its whole `pkg-config --static`
# closure has archives (apart from the C library itself, which the image
# always has): sqlite3 and inih qualify. libcurl does not (its closure needs
# Kerberos, LDAP, ... with no .a in Debian) nor does libcjson (no .a shipped),
# libusb/libserialport (libudev is .so only) or libcups: those stay dynamic.
# See docs/cross.md for what it costs (bench/footprint.sh measures it).
option(PL_STATIC "Link dependencies statically where Debian ships a complete static closure" OFF)
if(PL_STATIC)
  set(pl_libc_family c m pthread dl rt util resolv)
  get_directory_property(pl_imported DIRECTORY ${PROJECT_SOURCE_DIR} IMPORTED_TARGETS)
  set(pl_static_done "")
  foreach(tgt IN LISTS pl_imported)
    if(NOT tgt MATCHES "^PkgConfig::(.+)$")
      continue()
    endif()
    set(prefix ${CMAKE_MATCH_1})
    set(archives "")
    set(complete TRUE)
    foreach(lib IN LISTS ${prefix}_STATIC_LIBRARIES)
      if(lib IN_LIST pl_libc_family)
        list(APPEND archives ${lib})
        continue()
      endif()
      find_library(PL_STATIC_LIB_${lib} NAMES lib${lib}.a HINTS ${${prefix}_STATIC_LIBRARY_DIRS})
      if(PL_STATIC_LIB_${lib})
        list(APPEND archives ${PL_STATIC_LIB_${lib}})
      else()
        set(complete FALSE)
      endif()
    endforeach()
    if(complete AND archives)
      set_property(TARGET ${tgt} PROPERTY INTERFACE_LINK_LIBRARIES ${archives})
      list(APPEND pl_static_done ${prefix})
    endif()
  endforeach()
  target_link_options(pl_build INTERFACE -static-libgcc)
  message(STATUS "PL_STATIC: static archives for: ${pl_static_done}")
endif()
