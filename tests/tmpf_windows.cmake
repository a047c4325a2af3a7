# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# tmpf.exe on Windows, run under the emulator (wine) by CTest:
#   cmake -DEMULATOR=... -DTMPF=... -P tmpf_windows.cmake
# Each check runs tmpf and compares exit status and output. Windows text
# mode ends lines with CRLF: "\r" is stripped before comparing.
set(failures 0)

function(tmpf expect_status out_var)
  execute_process(COMMAND ${EMULATOR} ${TMPF} ${ARGN}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  string(REPLACE "\r" "" out "${out}")
  string(REPLACE "\r" "" err "${err}")
  string(STRIP "${out}" out)
  if(NOT "${status}" STREQUAL "${expect_status}")
    message(SEND_ERROR "tmpf ${ARGN}: status ${status}, expected ${expect_status}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

function(expect_match what regex text)
  if(NOT "${text}" MATCHES "${regex}")
    message(SEND_ERROR "${what}: '${text}' does not match '${regex}'")
  endif()
endfunction()

# A Windows path printed by tmpf as the Linux path wine maps it to: Z: is
# /, C: is the prefix's drive_c (drive letters are case-insensitive; wine
# keeps the names' case on Linux).
if(DEFINED ENV{WINEPREFIX})
  set(drive_c "$ENV{WINEPREFIX}/drive_c")
else()
  set(drive_c "$ENV{HOME}/.wine/drive_c")
endif()
function(unix_path windows_path out_var)
  string(REPLACE "\\" "/" p "${windows_path}")
  string(REGEX REPLACE "^[Zz]:" "" p "${p}")
  string(REGEX REPLACE "^[Cc]:" "${drive_c}" p "${p}")
  if(NOT p MATCHES "^/")
    message(SEND_ERROR "cannot map ${windows_path} to a Linux path")
  endif()
  set(${out_var} "${p}" PARENT_SCOPE)
endfunction()

tmpf(0 out --version)
expect_match("--version" "^tmpf \\(libtempfile\\)" "${out}")

tmpf(1 out -q a b)
expect_match("usage error" "too many templates" "${last_stderr}")

tmpf(0 out where)
expect_match("where" "^[A-Za-z]:\\\\" "${out}")

# mktemp -d, then rm: removed, a second rm fails, rm -f does not.
tmpf(0 dir -d)
unix_path("${dir}" dir_unix)
if(NOT IS_DIRECTORY "${dir_unix}")
  message(SEND_ERROR "tmpf -d printed ${dir}, which is not a directory")
endif()
file(WRITE "${dir_unix}/inside.txt" "x")
tmpf(0 out rm "${dir}")
if(EXISTS "${dir_unix}")
  message(SEND_ERROR "tmpf rm left ${dir}")
endif()
tmpf(1 out rm "${dir}")
tmpf(0 out rm -f "${dir}")

tmpf(1 out rm "C:\\")
expect_match("rm C:\\" "root directory" "${last_stderr}")

# write: standard input replaces FILE (MoveFileExW over it), --sync too;
# --no-clobber refuses an existing FILE and leaves it; nothing else is left
# in the directory (no staged ".tmp" file).
function(tmpf_write expect_status input)
  file(WRITE "${write_dir}/input" "${input}")
  execute_process(COMMAND ${EMULATOR} ${TMPF} write ${ARGN}
    INPUT_FILE "${write_dir}/input" RESULT_VARIABLE status
    OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  file(REMOVE "${write_dir}/input")
  if(NOT "${status}" STREQUAL "${expect_status}")
    message(SEND_ERROR "tmpf write ${ARGN}: status ${status}, expected ${expect_status}\nstderr: ${err}")
  endif()
endfunction()
function(expect_file path want)
  file(READ "${path}" got)
  if(NOT got STREQUAL want)
    message(SEND_ERROR "${path} holds '${got}', not '${want}'")
  endif()
endfunction()
function(expect_only_file dir name)
  file(GLOB entries RELATIVE "${dir}" "${dir}/*" "${dir}/.*")
  if(NOT "${entries}" STREQUAL "${name}")
    message(SEND_ERROR "${dir} holds '${entries}', not only '${name}'")
  endif()
endfunction()
tmpf(0 write_dir_windows -d)
unix_path("${write_dir_windows}" write_dir)
set(target_windows "${write_dir_windows}\\out.txt")
tmpf_write(0 "first" "${target_windows}")
expect_file("${write_dir}/out.txt" "first")
tmpf_write(0 "second, durably" --sync "${target_windows}")
expect_file("${write_dir}/out.txt" "second, durably")
tmpf_write(1 "never" --no-clobber "${target_windows}")
expect_file("${write_dir}/out.txt" "second, durably")
expect_only_file("${write_dir}" "out.txt")
tmpf(0 out rm "${write_dir_windows}")

# run: the command's status, 127 when it does not exist, TMPDIR set to a
# directory that is removed afterwards unless --keep.
tmpf(7 out run -- cmd /c exit 7)
tmpf(127 out run -- no-such-command-for-tmpf)
tmpf(0 out run -- cmd /c set TMPDIR)
string(REGEX REPLACE "^TMPDIR=" "" run_dir "${out}")
unix_path("${run_dir}" run_dir_unix)
if(run_dir STREQUAL out OR EXISTS "${run_dir_unix}")
  message(SEND_ERROR "tmpf run: TMPDIR '${out}' not set, or not removed")
endif()
tmpf(0 out run --keep -- cmd /c set TMPDIR)
string(REGEX REPLACE "^TMPDIR=" "" kept "${out}")
unix_path("${kept}" kept_unix)
if(NOT IS_DIRECTORY "${kept_unix}")
  message(SEND_ERROR "tmpf run --keep: ${kept} is gone")
endif()
tmpf(0 out rm "${kept}")

# run's unit is a job object: what the command leaves running is ended
# (and counted on stderr), --timeout ends it all with 124, --private-tmp is
# refused with 125. The straggler and the endless command are cmd loops
# that never stop on their own ("for /l" with a step of 0).
tmpf(3 out run -- cmd /c "start /b cmd /c for /l %i in (0,0,1) do @rem & exit 3")
expect_match("run with a straggler" "ended 1 process that 'cmd' left running" "${last_stderr}")
tmpf(124 out run --timeout=1 -- cmd /c "for /l %i in (0,0,1) do @rem")
tmpf(125 out run --private-tmp -- cmd /c exit 0)
expect_match("run --private-tmp" "cannot give 'cmd' a private /tmp" "${last_stderr}")

# A non-ASCII template: wine turns the UTF-8 argument into UTF-16 (with a
# UTF-8 locale), tmpf gets it back as UTF-8 and prints the same bytes.
set(ENV{LC_ALL} C.UTF-8)
tmpf(0 made -d "tést-中.XXXX")
expect_match("non-ASCII template" "tést-中\\.[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]$" "${made}")
tmpf(0 out rm "${made}")
