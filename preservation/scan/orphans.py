"""Helper processes end when the tool's main process ends, however it ends.

A ``kill -9`` of ``scan`` or ``audit`` gives the main process no chance to stop its pool: its
fork server and workers (about 70 MB each) went on working, and repeated kills piled them up.
Two guards, both cheap:

* a *parent-death signal* (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, through ctypes): the
  kernel kills a worker the moment its parent, the fork server, ends;
* a *watchdog* thread in the fork server and in every worker, waiting on the main process (a
  ``pidfd``, which becomes readable when that process ends; elsewhere a check every second):
  when it ends, the helper exits at once. The fork server is not given the parent-death
  signal: that signal follows the *thread* that started a process, and the main process may
  start its pool from a thread that ends before it does.

The main process names itself in ``PRESERVATION_MAIN_PID`` before it starts a pool; the fork
server, started by it with ``python -c``, finds its parent there when it preloads this module.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
import time

ENV = "PRESERVATION_MAIN_PID"
PR_SET_PDEATHSIG = 1


def announce_main() -> int:
    """Called by the main process before it starts helpers; returns its pid."""
    pid = os.getpid()
    os.environ[ENV] = str(pid)
    return pid


def parent_death_signal() -> bool:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def alive(pid: int) -> bool:
    """Is ``pid`` running (a zombie, killed but not yet reaped, is not)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _wait_for_end(pid: int) -> None:
    fd = None
    with contextlib.suppress(OSError, AttributeError):
        fd = os.pidfd_open(pid)
    if fd is not None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll(None):
            pass
    else:
        while alive(pid):
            time.sleep(1.0)
    os._exit(1)  # no cleanup to do: the main process owns the catalog, and it is gone


def end_with(pid: int, *, parent_signal: bool) -> None:
    """End this helper process when process ``pid`` (the main process) ends."""
    if parent_signal:
        parent_death_signal()
    if not alive(pid):
        os._exit(1)
    threading.Thread(target=_wait_for_end, args=(pid,), name="end-with-main", daemon=True).start()


def worker_init(main_pid: int) -> None:
    """Pool initializer: Ctrl-C is the main process's to handle; end with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(main_pid, parent_signal=True)


def _in_fork_server() -> int | None:
    """The main process's pid when this is a helper it started with ``python -c`` (the fork
    server preloading this module), else None."""
    main = os.environ.get(ENV, "")
    if main.isdigit() and int(main) == os.getppid() and sys.argv[:1] == ["-c"]:
        return int(main)
    return None


_main = _in_fork_server()
if _main is not None:
    end_with(_main, parent_signal=False)
