"""Bot detection in time linear in the user agent's length.

The crawler and exclusion lists are crawlerdetect's (the same data the PHP/JS
CrawlerDetect projects keep up to date), but its Python ``re`` alternation of
~1,500 patterns backtracks: its time grows with the square of the input (an 8 KB
user agent took seconds).  Here the same lists are compiled with RE2, whose
automaton runs in linear time; the odd pattern RE2 cannot express (a lookahead) is
matched with ``re`` on its own, which for a literal-prefixed pattern is linear too.
Callers also cap the input (:data:`MAX_UA_CHARS`).
"""

from __future__ import annotations

import functools
import re

import re2
from crawlerdetect.providers.crawlers import data as _CRAWLERS
from crawlerdetect.providers.exclusions import data as _EXCLUSIONS

__all__ = ["HEADLESS_SIGNATURES", "MAX_UA_CHARS", "is_bot_user_agent"]

#: User agents are parsed up to this many characters (real ones are far shorter).
MAX_UA_CHARS = 512

#: Automation tools that announce themselves in an otherwise browser-like agent.
HEADLESS_SIGNATURES = (
    "HeadlessChrome",
    "PhantomJS",
    "Puppeteer",
    "Playwright",
    "Selenium",
    "Lighthouse",
)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 256 << 20
    return options


def _expressible(pattern: str) -> bool:
    """RE2 has no lookaround or backreferences."""
    return "(?=" not in pattern and "(?!" not in pattern and "(?<" not in pattern


@functools.cache
def _matchers() -> tuple[re2._Regexp, re2._Regexp, tuple[re.Pattern[str], ...]]:
    options = _re2_options()
    exclusions = re2.compile("|".join(f"(?:{p})" for p in _EXCLUSIONS), options)
    plain = [p for p in _CRAWLERS if _expressible(p)]
    crawlers = re2.compile("|".join(f"(?:{p})" for p in plain), options)
    others = tuple(re.compile(p, re.IGNORECASE) for p in _CRAWLERS if not _expressible(p))
    return exclusions, crawlers, others


def is_bot_user_agent(ua: str) -> bool:
    """True for crawlers, monitors, HTTP libraries and headless browsers.

    Same verdicts as ``crawlerdetect`` (exclusions stripped first, then any crawler
    pattern) plus headless signatures, on the first :data:`MAX_UA_CHARS` characters.
    """
    ua = ua[:MAX_UA_CHARS].strip()
    if not ua:
        return False
    if any(sig in ua for sig in HEADLESS_SIGNATURES):
        return True
    exclusions, crawlers, others = _matchers()
    agent = exclusions.sub("", ua)
    if not agent:
        return False
    return crawlers.search(agent) is not None or any(p.search(agent) for p in others)
