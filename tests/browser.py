"""Debian's headless Chromium driven by Selenium, for the browser tests."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


def browser(dnt: bool = False, user_agent: str = DESKTOP_CHROME) -> Iterator:
    """A fresh headless Chromium (no profile, no network but loopback); yields once."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # Headless Chromium says "HeadlessChrome", which the gateway rightly flags as a bot;
    # present it as the desktop Chrome a real visitor would use.
    options.add_argument(f"--user-agent={user_agent}")
    if dnt:
        options.add_experimental_option("prefs", {"enable_do_not_track": True})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def serve_site(page: Callable[[str], tuple[bytes, str]]) -> ThreadingHTTPServer:
    """A web site on 127.0.0.1 (its own origin) answering ``page(path)`` = (body, type)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, ctype = page(self.path)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
