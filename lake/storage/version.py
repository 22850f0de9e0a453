"""The lake's data version: a token the hot-tier load renews, so readers know answers changed."""

from __future__ import annotations

import uuid

from lake.storage.io import Lake
from lake.storage.paths import LakePaths

__all__ = ["DataVersion"]


class DataVersion:
    """A small file, ``<lake>/_state/data_version``, holding a fresh random token after
    every hot-tier load: the query API's result cache compares it to drop stale answers."""

    def __init__(self, lake: Lake, paths: LakePaths) -> None:
        self.lake = lake
        self.uri = f"{paths.root}/_state/data_version"

    def renew(self) -> str:
        """Write a new token and return it."""
        token = uuid.uuid4().hex
        self.lake.write_text(self.uri, token)
        return token

    def current(self) -> str:
        """The token now ('' before the first load)."""
        return self.lake.read_text(self.uri) or ""
