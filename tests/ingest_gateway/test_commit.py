"""Group commit: every awaited frame is fsynced, inline (fast disk) or by the thread (slow)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ingest_gateway.commit import GroupCommit
from ingest_gateway.wal import WriteAheadLog


class CountingWal(WriteAheadLog):
    """A WAL that counts its fsyncs."""

    syncs = 0

    def sync(self) -> int:
        self.syncs += 1
        return super().sync()


@pytest.mark.parametrize("slow_disk", [False, True], ids=["inline", "thread"])
def test_concurrent_requests_share_fsyncs_and_all_become_durable(
    tmp_path: Path, slow_disk: bool
) -> None:
    wal = CountingWal(tmp_path)

    async def main() -> None:
        commit = GroupCommit(wal, asyncio.get_running_loop())
        if slow_disk:
            commit._fsync_s = 1.0  # as if fsync took a second: use the thread
        try:

            async def request(i: int) -> int:
                frame_no, _ = wal.write([[f"event-{i}"]])
                await commit.durable(frame_no)
                assert wal.synced >= frame_no
                return frame_no

            frames = await asyncio.wait_for(asyncio.gather(*(request(i) for i in range(200))), 10)
            assert sorted(frames) == list(range(1, 201))
        finally:
            commit.stop()

    asyncio.run(main())
    assert wal.synced == 200
    assert 1 <= wal.syncs < 200  # grouped: far fewer fsyncs than requests
