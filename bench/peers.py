# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
"""Python's tempfile as a peer in the libtempfile benchmark.

Started by tempfile_bench (bench/*.c), never on its own. Modes:

  block ROW KEY...      read a block size n per line from stdin; run n ops of
                        each KEY in an order rotating from block to block and
                        answer one line "KEY=ns_per_op ..." (or KEY=error:why)
  count KEY N [base]    warm up, then N ops of KEY (none with "base"): the
                        driver counts syscalls of this process under strace
  rmtree                read a path per line, shutil.rmtree it, answer ns
  rmtree1 PATH          shutil.rmtree PATH once (for the syscall count)
  gettempdir [base]     time the first tempfile.gettempdir() of this process

Every op is complete (create and destroy), like the C contenders. The
directory comes from $TMPDIR, which the driver sets, so these are the calls
people write (no dir= argument).
"""
import os
import shutil
import sys
import tempfile
import time

SPOOL_MAX = 256 * 1024
SMALL = b"x" * 1024
CHUNK = b"x" * (64 * 1024)
ATOMIC = b"x" * 4096
ATOMIC_TARGET = "atomic.target"  # as in bench/contenders.c
WARMUP = 10


def py_mkstemp():
    fd, path = tempfile.mkstemp()
    os.close(fd)
    os.unlink(path)


def py_named():
    tempfile.NamedTemporaryFile().close()


def py_temporary():
    tempfile.TemporaryFile().close()


def py_mkdtemp():
    os.rmdir(tempfile.mkdtemp())


def py_tempdir():
    tempfile.TemporaryDirectory().cleanup()


def py_spooled_small():
    f = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    f.write(SMALL)
    f.close()


def py_spooled_large():
    f = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    for _ in range(16):
        f.write(CHUNK)
    f.close()


def replace_atomically(durable):
    # What careful Python code does: a private file in the target's
    # directory (so os.replace cannot fail with EXDEV), then the rename.
    d = tempfile.gettempdir()
    fd, path = tempfile.mkstemp(dir=d)
    try:
        os.write(fd, ATOMIC)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(path, os.path.join(d, ATOMIC_TARGET))
    if durable:
        dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def py_replace():
    replace_atomically(False)


def py_replace_durable():
    replace_atomically(True)


OPS = {
    ("named", "py_mkstemp"): py_mkstemp,
    ("named", "py_named"): py_named,
    ("anon", "py_temporary"): py_temporary,
    ("dir", "py_mkdtemp"): py_mkdtemp,
    ("dir", "py_tempdir"): py_tempdir,
    ("spool1k", "py_spooled"): py_spooled_small,
    ("spool1m", "py_spooled"): py_spooled_large,
    ("atomic4k", "py_replace"): py_replace,
    ("atomic4k_sync", "py_replace"): py_replace_durable,
}


def run_block(op, n):
    start = time.perf_counter_ns()
    for _ in range(n):
        op()
    return (time.perf_counter_ns() - start) / n


def block_mode(row, keys):
    rotation = 0
    for line in sys.stdin:
        n = int(line)
        answers = {}
        for j in range(len(keys)):
            key = keys[(rotation + j) % len(keys)]
            try:
                answers[key] = "%.1f" % run_block(OPS[(row, key)], n)
            except Exception as e:  # reported in the table, never timed
                answers[key] = "error:" + type(e).__name__ + ":" + str(e).replace(" ", "_")
        rotation += 1
        print(" ".join("%s=%s" % (k, answers[k]) for k in keys), flush=True)


def count_mode(row, key, n, baseline):
    op = OPS[(row, key)]
    for _ in range(WARMUP):
        op()
    if not baseline:
        for _ in range(n):
            op()


def rmtree_mode():
    for line in sys.stdin:
        path = line.rstrip("\n")
        start = time.perf_counter_ns()
        shutil.rmtree(path)
        print(time.perf_counter_ns() - start, flush=True)


def gettempdir_mode(baseline):
    start = time.perf_counter_ns()
    if not baseline:
        tempfile.gettempdir()
    print(time.perf_counter_ns() - start, flush=True)


def main(argv):
    mode = argv[1]
    if mode == "block":
        block_mode(argv[2], argv[3:])
    elif mode == "count":
        count_mode(argv[2], argv[3], int(argv[4]), len(argv) > 5 and argv[5] == "base")
    elif mode == "rmtree":
        rmtree_mode()
    elif mode == "rmtree1":
        shutil.rmtree(argv[2])
    elif mode == "gettempdir":
        gettempdir_mode(len(argv) > 2 and argv[2] == "base")
    else:
        sys.exit("peers.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
