"""Sharing one embedded ClickHouse (chdb) data path between processes.

chdb lets only one process hold a data path, and opening it costs ~90 ms.  A
process therefore *leases* the path: it takes an exclusive ``flock``, opens the
engine, and keeps it open across units of work while nobody else asks for it.
A process that finds the path busy drops a marker ``<path>.want/<pid>`` and
polls; the holder sees the marker after its current unit of work (or within
~20 ms when idle), closes the engine, releases the lock and pauses briefly so
the waiter gets in before it asks again.  An idle holder also lets go after
``idle_release_s``.  Within a process, one thread uses the engine at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import clickhouse_connect

__all__ = ["ChdbLease", "HotTierBusyError", "lease_for"]

_POLL_S = 0.01
_HANDOFF_S = 0.5


class HotTierBusyError(RuntimeError):
    """The embedded engine stayed held by another process longer than the lock timeout."""


def _open_engine(path: Path, deadline: float) -> Any:
    """Open the engine, waiting out a previous holder whose close is still finishing.

    chdb can hold its own ``status`` file lock a moment after the previous process
    closed it and let go of our lock; that shows as "Another server instance …" or
    "Error initializing EmbeddedServer" and passes within milliseconds.
    """
    while True:
        try:
            return clickhouse_connect.get_client(dsn=f"chdb://{path}")
        except Exception as exc:
            transient = "EmbeddedServer" in str(exc) or "Another server instance" in str(exc)
            if not transient or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ChdbLease:
    """This process's lease on one chdb data path (use :func:`lease_for`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.want_dir = path.with_name(path.name + ".want")
        self._mutex = threading.Lock()
        self._fh: IO[str] | None = None
        self._client: Any = None
        self._last_used = 0.0
        self._idle_release_s = 5.0
        self._watcher: threading.Thread | None = None

    @contextlib.contextmanager
    def client(self, timeout_s: float, idle_release_s: float) -> Iterator[Any]:
        """The engine's client for one unit of work, waiting at most ``timeout_s`` for it."""
        deadline = time.monotonic() + timeout_s
        if not self._mutex.acquire(timeout=timeout_s):
            raise HotTierBusyError(f"hot tier busy in this process for {timeout_s:.0f}s")
        handoff = False
        try:
            self._idle_release_s = idle_release_s
            if self._client is None:
                self._take(deadline, timeout_s)
            yield self._client
            self._last_used = time.monotonic()
            handoff = self._others_want()
            if handoff or idle_release_s <= 0:
                self._release()
            else:
                self._start_watcher()
        finally:
            self._mutex.release()
        if handoff:
            self._wait_for_taker()

    # -- taking and giving back ----------------------------------------------------------------

    def _take(self, deadline: float, timeout_s: float) -> None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.lock_path, "a+")  # noqa: SIM115 - held for the lease's lifetime
        marker: Path | None = None
        try:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if marker is None:
                        self.want_dir.mkdir(parents=True, exist_ok=True)
                        marker = self.want_dir / str(os.getpid())
                        marker.touch()
                    if time.monotonic() >= deadline:
                        raise HotTierBusyError(
                            f"hot tier {self.path} held by another process for {timeout_s:.0f}s"
                        ) from None
                    time.sleep(_POLL_S)
            _close_other_leases(self, deadline)
            self._client = _open_engine(self.path, deadline)
            self._fh = fh
        except BaseException:
            fh.close()  # closing the descriptor drops the flock too
            raise
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)

    def _release(self) -> None:
        client, fh = self._client, self._fh
        self._client = self._fh = None
        try:
            if client is not None:
                client.close()
        finally:
            if fh is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)
                fh.close()

    def _others_want(self) -> bool:
        me = os.getpid()
        try:
            markers = list(self.want_dir.iterdir())
        except FileNotFoundError:
            return False
        for marker in markers:
            if not marker.name.isdigit() or int(marker.name) == me:
                continue
            if _alive(int(marker.name)):
                return True
            marker.unlink(missing_ok=True)  # left by a process that died while waiting
        return False

    def _wait_for_taker(self) -> None:
        """After a handoff, give the waiter a moment to take the lock before asking again."""
        deadline = time.monotonic() + _HANDOFF_S
        while self._others_want() and time.monotonic() < deadline:
            time.sleep(_POLL_S)

    # -- idle holder -----------------------------------------------------------------------------

    def _start_watcher(self) -> None:
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name="chdb-lease", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        while True:
            time.sleep(0.02)
            if not self._mutex.acquire(blocking=False):
                continue  # in use: the user gives it back itself
            try:
                if self._client is None:
                    return
                idle = time.monotonic() - self._last_used > self._idle_release_s
                if idle or self._others_want():
                    self._release()
                    return
            finally:
                self._mutex.release()


_LEASES: dict[Path, ChdbLease] = {}
_LEASES_GUARD = threading.Lock()


def _close_other_leases(keep: ChdbLease, deadline: float) -> None:
    """chdb runs one engine per process: let go of any other path this process holds."""
    with _LEASES_GUARD:
        others = [lease for lease in _LEASES.values() if lease is not keep]
    for lease in others:
        if lease._client is None:
            continue
        if not lease._mutex.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise HotTierBusyError(f"this process is using the engine at {lease.path}")
        try:
            lease._release()
        finally:
            lease._mutex.release()


def lease_for(path: Path) -> ChdbLease:
    """The process-wide lease object of a data path."""
    with _LEASES_GUARD:
        return _LEASES.setdefault(path, ChdbLease(path))
