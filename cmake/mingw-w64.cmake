# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Cross-compiling for 64-bit Windows with mingw-w64 (Debian: gcc-mingw-w64-x86-64),
# tests run under wine (Debian: wine64):
#   cmake -S . -B build-mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
#   cmake --build build-mingw && (cd build-mingw && ctest --output-on-failure)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TEMPFILE_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "mingw-w64 target triplet")
set(CMAKE_C_COMPILER ${TEMPFILE_MINGW_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${TEMPFILE_MINGW_PREFIX}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${TEMPFILE_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Link libgcc and winpthreads statically: the DLL and the programs then need
# nothing from the mingw runtime at run time (wine finds no extra DLLs).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
# Run the test programs through wine (CTest uses this for add_test commands).
find_program(TEMPFILE_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_DEFAULT_PATH)
find_program(TEMPFILE_WINE NAMES wine64 wine)
if(TEMPFILE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TEMPFILE_WINE})
endif()
