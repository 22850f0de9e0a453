"""The API process's memory allocator, set for analyses that allocate tens of MB a request.

A funnel over 10M events hands NumPy a few arrays of 10-30 MB per request.  glibc's
``malloc`` serves blocks that large straight from the kernel (``mmap``) and gives them
back on ``free``, so every request pays the kernel to zero those pages again: ~20 ms
of a ~300 ms funnel on this class of machine, and most of its variance.  Raising the
``mmap`` threshold to its maximum (32 MiB) and letting the heap keep up to 512 MiB of
freed memory makes the next request reuse it.  The price is memory the process holds
on to between requests (at most that much more).

Applied once when the API starts; skipped where the C library is not glibc, and where
the operator set glibc's own ``MALLOC_*`` variables or ``GLIBC_TUNABLES`` (theirs win).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["tune_allocator"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_SETTINGS = {
    _M_MMAP_THRESHOLD: 32 * 1024 * 1024,  # glibc's largest on 64-bit
    _M_TRIM_THRESHOLD: 512 * 1024 * 1024,
    _M_TOP_PAD: 64 * 1024 * 1024,
}


def tune_allocator() -> bool:
    """Set glibc's allocator for large short-lived arrays (see the module); True when
    it was set."""
    if not sys.platform.startswith("linux"):
        return False
    if "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, …)
        return False
    return all(mallopt(option, value) == 1 for option, value in _SETTINGS.items())
