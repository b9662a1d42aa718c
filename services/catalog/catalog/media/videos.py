"""Videos by URL: only https links to hosts that give an embeddable player are accepted.

Nothing is fetched from the URL; the storefront embeds the ``embed_url`` made here,
so only the allow-listed players ever run in its pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

ALLOWED_HOSTS = {"youtube.com": "youtube", "www.youtube.com": "youtube", "m.youtube.com": "youtube",
                 "youtu.be": "youtube", "vimeo.com": "vimeo", "www.vimeo.com": "vimeo",
                 "player.vimeo.com": "vimeo"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")


class InvalidVideoUrl(ValueError):
    """The URL is not an https link to a YouTube or Vimeo video."""


@dataclass(frozen=True)
class VideoLink:
    url: str
    provider: str
    video_id: str

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            return f"https://www.youtube-nocookie.com/embed/{self.video_id}"
        return f"https://player.vimeo.com/video/{self.video_id}"


def parse_video_url(url: str) -> VideoLink:
    """Check ``url`` against the allow-list and find the video it points at."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidVideoUrl("not a valid URL") from None
    if parts.scheme != "https":
        raise InvalidVideoUrl("the video URL must use https")
    host = (parts.hostname or "").lower()
    if host not in ALLOWED_HOSTS or parts.username or parts.password or port not in (None, 443):
        raise InvalidVideoUrl(f"videos are accepted from {', '.join(sorted({'youtube.com', 'youtu.be', 'vimeo.com'}))}")
    provider = ALLOWED_HOSTS[host]
    video_id = _youtube_id(host, parts) if provider == "youtube" else _vimeo_id(parts.path)
    if not video_id:
        raise InvalidVideoUrl("the URL does not point at a video")
    return VideoLink(url=parts.geturl(), provider=provider, video_id=video_id)


def _youtube_id(host: str, parts) -> str | None:
    segments = [s for s in parts.path.split("/") if s]
    if host == "youtu.be":
        candidate = segments[0] if len(segments) == 1 else None
    elif segments == ["watch"]:
        candidate = (parse_qs(parts.query).get("v") or [None])[0]
    elif len(segments) == 2 and segments[0] in {"embed", "shorts", "live"}:
        candidate = segments[1]
    else:
        candidate = None
    return candidate if candidate and _YOUTUBE_ID.fullmatch(candidate) else None


def _vimeo_id(path: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if len(segments) == 2 and segments[0] == "video":
        segments = segments[1:]
    return segments[0] if len(segments) == 1 and _VIMEO_ID.fullmatch(segments[0]) else None
