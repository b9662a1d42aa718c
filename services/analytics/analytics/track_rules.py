"""What the tracking endpoint accepts, as pure rules: bots, event time window, what is kept of a URL.

Free of Flask and SQLAlchemy; the endpoint's schema and the ingest use case call these.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

MAX_EVENTS_PER_BATCH = 100
MAX_BODY_BYTES = 64 * 1024
# A client's clock may run a little ahead (clamped to the arrival time) but a batch older than a day
# is a replay or a broken client, not a visit.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_AGE = timedelta(hours=24)

# User agents of crawlers, scripts and headless browsers (case-insensitive substrings). A request
# without a User-Agent is dropped too: every browser sends one.
BOT_PATTERNS = ("bot", "crawler", "spider", "slurp", "crawl", "curl", "wget", "python-requests", "python-urllib",
                "httpx", "aiohttp", "go-http-client", "java/", "okhttp", "libwww", "scrapy", "headless", "phantomjs",
                "selenium", "puppeteer", "playwright", "lighthouse", "pingdom", "uptime", "monitor", "preview",
                "facebookexternalhit", "embedly", "quora link", "whatsapp", "axios/", "node-fetch")
_BOT = re.compile("|".join(re.escape(pattern) for pattern in BOT_PATTERNS), re.IGNORECASE)


def is_bot(user_agent: str | None) -> bool:
    """An obvious bot by its User-Agent (or no User-Agent at all)."""
    return not user_agent or not user_agent.strip() or _BOT.search(user_agent) is not None


def time_problem(occurred_at: datetime, moment: datetime) -> str | None:
    """Why a client's event time is refused at ``moment`` (None: accepted)."""
    if occurred_at > moment + FUTURE_TOLERANCE:
        return f"more than {int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes in the future"
    if occurred_at < moment - MAX_AGE:
        return f"more than {int(MAX_AGE.total_seconds() // 3600)} hours in the past"
    return None


def clamped(occurred_at: datetime, moment: datetime) -> datetime:
    """An accepted event time, never after its arrival (a clock slightly ahead)."""
    return min(occurred_at, moment)


def kept_path(path: str) -> str:
    """The path without query string or fragment: they may carry personal data (tokens, e-mails)."""
    return urlsplit(path).path or "/"


def referrer_host(referrer: str | None) -> str | None:
    """Only the referring site's host is kept, never the full URL."""
    if not referrer:
        return None
    host = urlsplit(referrer if "//" in referrer else "//" + referrer).hostname
    return host[:255] if host else None


def fingerprint(kind: str, session_id: str, occurred_at: datetime, path: str | None, product_id: str | None) -> str:
    """Identifies an event across resent batches: a storefront retrying a batch counts nothing twice."""
    text = "\x1f".join((kind, session_id, occurred_at.isoformat(timespec="microseconds"), path or "", product_id or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
