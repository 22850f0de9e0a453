"""Running Strata's services as processes, the way production runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

__all__ = ["exec_module", "free_port", "start_module", "stop", "wait_healthy"]


def exec_module(module: str, args: list[str]) -> None:
    """Become the service process (``exec``): SIGTERM and Ctrl-C reach it directly, so the
    gateway lands its WAL and the API shuts down cleanly instead of being orphaned."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", module, *args])


def start_module(module: str, *args: str) -> subprocess.Popen:
    """Start ``python -m module args`` as a child process."""
    return subprocess.Popen([sys.executable, "-m", module, *args])


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until ``url/healthz`` answers 200; exit with a message if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"service at {url} exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"service at {url} did not start within {timeout:.0f}s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (services finish their work: the gateway lands its WAL), then kill after 60 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
