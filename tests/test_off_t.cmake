# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_off_t: the header refuses a translation unit whose off_t is not
# 64-bit, and accepts one compiled as the CMake targets (and tempfile.pc)
# compile users: with DEFINITIONS (_FILE_OFFSET_BITS=64 where the C
# library's default off_t is 32-bit). The refusal is checked where this
# compiler has a 32-bit off_t: by default (NATIVE_OFF_T 4: mingw-w64,
# 32-bit glibc) or with -m32 (x86-64 with gcc-multilib).
# cmake -DCC=... -DFLAGS=... -DINCLUDE=... -DDEFINITIONS=... -DNATIVE_OFF_T=... -DWORK=... -P test_off_t.cmake
file(MAKE_DIRECTORY "${WORK}")
set(probe "${WORK}/off_t_probe.c")
file(WRITE "${probe}" "#include <tempfile.h>\nint main(void) { return sizeof(off_t) == 8 ? 0 : 1; }\n")
separate_arguments(FLAGS UNIX_COMMAND "${FLAGS}") # the build's CMAKE_C_FLAGS (-m32)
set(user_flags "")
foreach(definition ${DEFINITIONS})
  list(APPEND user_flags "-D${definition}")
endforeach()

set(failed 0)
set(passed 0)
# compiles(expect std flags...): expect is "ok" or the text the refusal shows.
function(compiles expect std)
  execute_process(COMMAND "${CC}" ${FLAGS} -std=${std} -pedantic-errors -fsyntax-only
    -I "${INCLUDE}" ${ARGN} "${probe}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(expect STREQUAL "ok")
    set(good 0)
    if(rc EQUAL 0)
      set(good 1)
    endif()
  else()
    string(FIND "${out}" "${expect}" at)
    set(good 0)
    if(NOT rc EQUAL 0 AND at GREATER -1)
      set(good 1)
    endif()
  endif()
  if(good)
    math(EXPR passed "${passed} + 1")
    set(passed ${passed} PARENT_SCOPE)
  else()
    message("FAILED: -std=${std} ${ARGN}: expected ${expect}, got status ${rc}:\n${out}")
    math(EXPR failed "${failed} + 1")
    set(failed ${failed} PARENT_SCOPE)
  endif()
endfunction()

# C11's _Static_assert, and the C99 fallback (a negative array size whose
# name says what to do).
set(c11_refusal "libtempfile needs a 64-bit off_t: compile with -D_FILE_OFFSET_BITS=64")
set(c99_refusal "tempfile_needs_a_64_bit_off_t_compile_with_FILE_OFFSET_BITS_64")
foreach(std c11 c99)
  compiles(ok ${std} ${user_flags})
endforeach()

set(narrow "")
if(NATIVE_OFF_T EQUAL 4)
  set(narrow "default")
else()
  file(WRITE "${WORK}/m32.c" "#include <sys/types.h>\nint main(void) { return 0; }\n")
  execute_process(COMMAND "${CC}" ${FLAGS} -m32 -fsyntax-only "${WORK}/m32.c"
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    set(narrow "-m32")
  endif()
endif()
if(narrow STREQUAL "default")
  compiles("${c11_refusal}" c11)
  compiles("${c99_refusal}" c99)
elseif(narrow STREQUAL "-m32")
  compiles("${c11_refusal}" c11 -m32)
  compiles("${c99_refusal}" c99 -m32)
  compiles(ok c11 -m32 -D_FILE_OFFSET_BITS=64)
else()
  message("off_t: ${CC} has no 32-bit off_t here (not mingw, no -m32: gcc-multilib): "
    "the refusal is not checked, only that the user's flags compile")
endif()
message("off_t: ${passed} passed, ${failed} failed")
if(failed)
  message(FATAL_ERROR "off_t: ${failed} failed")
endif()
