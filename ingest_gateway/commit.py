"""Group commit for the event loop: many requests, one fsync, no thread hop per request.

Requests write their frame to the WAL in the event loop (a buffered write) and
await :meth:`GroupCommit.durable`; one fsync covers every frame written so far and
wakes all the requests it covered.  On a fast disk the fsync runs right in the
loop, once per iteration; on a slow one a background thread does it, so the loop
keeps reading requests meanwhile.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

from ingest_gateway.wal import WriteAheadLog

__all__ = ["INLINE_FSYNC_S", "GroupCommit"]

#: An fsync faster than this (on average) runs in the event loop, once per loop
#: iteration for every request read in it; a slower disk gets a dedicated thread so
#: the loop keeps reading requests (and grows the next group) while it waits.
INLINE_FSYNC_S = 0.001


class GroupCommit:
    """Resolves ``durable(frame_no)`` once an fsync covers that frame."""

    def __init__(self, wal: WriteAheadLog, loop: asyncio.AbstractEventLoop) -> None:
        # A busy event loop keeps the GIL for up to the switch interval (5 ms by default)
        # before the fsync thread may run; every request waits for that thread, so hand
        # the GIL over sooner.
        sys.setswitchinterval(0.0005)
        self.wal = wal
        self.loop = loop
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []  # event-loop thread only
        self._wake = threading.Event()
        self._stop = False
        self._fsync_s = 0.0  # moving average of how long an fsync takes here
        self._inline_scheduled = False
        self._thread = threading.Thread(target=self._run, name="wal-fsync", daemon=True)
        self._thread.start()

    async def durable(self, frame_no: int) -> None:
        """Return once frame ``frame_no`` is on disk."""
        if self.wal.synced >= frame_no:
            return
        future = self.loop.create_future()
        self._waiters.append((frame_no, future))
        self._request_sync()
        await future

    def _request_sync(self) -> None:
        """Ask for an fsync: inline after this loop iteration (fast disk) or by the thread."""
        if self._fsync_s >= INLINE_FSYNC_S:
            self._wake.set()
        elif not self._inline_scheduled:
            # call_soon runs after the requests already read in this iteration have written.
            self._inline_scheduled = True
            self.loop.call_soon(self._sync_inline)

    def _timed_sync(self) -> int:
        started = time.perf_counter()
        synced = self.wal.sync()
        self._fsync_s = 0.8 * self._fsync_s + 0.2 * (time.perf_counter() - started)
        return synced

    def _sync_inline(self) -> None:
        self._inline_scheduled = False
        self._resolve(self._timed_sync())

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                break
            self.loop.call_soon_threadsafe(self._resolve, self._timed_sync())

    def _resolve(self, synced: int) -> None:
        waiting = []
        for frame_no, future in self._waiters:
            if frame_no <= synced:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((frame_no, future))
        self._waiters = waiting
        if waiting:  # written during that fsync: the next one covers them
            self._request_sync()

    def stop(self) -> None:
        """Stop the fsync thread (the WAL's seal() makes the rest durable)."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=10)
