"""The MusicBrainz web service (/ws/2, JSON) and Cover Art Archive release-group covers, for the brainz stand-in.

Shapes follow musicbrainz-server's own JSON tests (t/.../WS/2/JSON/LookupArtist.pm, BrowseReleaseGroups.pm)
and the search server's artist results. Faults: `ws503` (the rate limiter's 503 with its real body),
`ws500`, `wsslow` (sleeps `delay` seconds), `wsgarbage`; going faster than `ws_rate` requests per window
per address answers 503 as MusicBrainz does.
"""
from __future__ import annotations

import re
import time
from urllib.parse import unquote

from devstack import spotify_data as sandbox_data

from .musicbrainz_ws_data import ARTISTS, COVERED, search
from .standin import Reply, Request, json_reply, redirect

WS_FAULTS = ("ws503", "ws500", "wsslow", "wsgarbage")
RATE_BODY = {"error": "Your requests are exceeding the allowable rate limit. Please see "
                      "http://wiki.musicbrainz.org/XMLWebService for more information."}
_ARTIST_RE = re.compile(r"^/ws/2/artist/([^/]+)$")
_RG_COVER_RE = re.compile(r"^/release-group/([a-f0-9-]{36})/front(?:-(250|500|1200))?(?:\.jpg)?$")
_CORS = {"Access-Control-Allow-Origin": "*"}


def ws_error(status: int, message: str) -> Reply:
    """A /ws/2 error body: {"error", "help"}."""
    return json_reply(status, {"error": message, "help": "For usage, please see: "
                                                         "https://musicbrainz.org/development/mmd"})


class MusicBrainzWS:
    """Mixin for the brainz stand-in: /ws/2/artist search and lookup, /ws/2/release-group browse."""

    WS_RATE = (10, 10)      # requests per fixed window (seconds) per address: MusicBrainz's own rule

    def reset_ws(self) -> None:
        """Forget the /ws/2 rate windows and restore the default rate."""
        self.ws_rate, self._ws_windows = self.WS_RATE, {}

    def set_ws_rate_limit(self, limit: int, window: int = 10) -> None:
        """Allow `limit` /ws/2 requests per `window` seconds per address."""
        self.ws_rate, self._ws_windows = (int(limit), int(window)), {}

    def _ws_over(self, client_ip: str) -> bool:
        limit, per = self.ws_rate
        now = int(self._clock())
        reset = now // per * per + per
        with self._lock:
            windows = getattr(self, "_ws_windows", {})
            window, current = windows.get(client_ip, (reset, 0))
            current = current + 1 if window == reset else 1
            windows[client_ip] = (reset, current)
            self._ws_windows = windows
        return current > limit

    def ws2(self, request: Request) -> Reply:
        """Route one /ws/2 request (GET only), checking the rate first as the real front end does."""
        path = request.path
        self.count(re.sub(r"/[a-f0-9-]{36}$", "/*", path))
        if self._ws_over(request.client_ip):
            return json_reply(503, RATE_BODY)
        fault = self.take_fault(WS_FAULTS)
        if fault and fault["kind"] == "wsslow":
            time.sleep(float(fault.get("delay", 1.0)))
        elif fault and fault["kind"] == "ws503":
            return json_reply(503, RATE_BODY)
        elif fault and fault["kind"] == "ws500":
            return ws_error(500, "Internal server error")
        elif fault:
            return 200, {"Content-Type": "application/json"}, b'{"release-groups": ['
        if request.query.get("fmt") != "json":
            return 200, {"Content-Type": "application/xml"}, b'<?xml version="1.0"?><metadata/>'
        if path == "/ws/2/artist" and "query" in request.query:
            return self._search(request)
        if path == "/ws/2/release-group" and "artist" in request.query:
            return self._browse(request)
        lookup = _ARTIST_RE.match(path)
        if lookup:
            artist = ARTISTS.get(unquote(lookup.group(1)))
            if artist is None:
                return ws_error(404, "Not Found")
            return json_reply(200, artist.lookup(with_urls="url-rels" in request.query.get("inc", "")))
        return ws_error(400, "Invalid resource")

    def _paging(self, request: Request, default: int) -> tuple[int, int]:
        try:
            limit = int(request.query.get("limit", default))
            offset = int(request.query.get("offset", 0))
        except ValueError:
            return -1, -1
        return max(1, min(limit, 100)), max(0, offset)

    def _search(self, request: Request) -> Reply:
        limit, offset = self._paging(request, 25)
        if limit < 0:
            return ws_error(400, "Invalid limit or offset")
        found = search(request.query["query"])
        return json_reply(200, {"created": "2026-11-25T12:00:00.000Z", "count": len(found), "offset": offset,
                                "artists": [a.search_record(score) for a, score in found[offset:offset + limit]]})

    def _browse(self, request: Request) -> Reply:
        limit, offset = self._paging(request, 25)
        artist = ARTISTS.get(request.query["artist"])
        if limit < 0:
            return ws_error(400, "Invalid limit or offset")
        if artist is None:
            return ws_error(404, "Not Found")
        types = {t.lower() for t in request.query.get("type", "").split("|") if t}
        groups = [g for g in artist.groups if not types or g["primary-type"].lower() in types]
        with_urls = "url-rels" in request.query.get("inc", "")
        page = [artist.group_record(g, with_urls) for g in groups[offset:offset + limit]]
        return json_reply(200, {"release-group-count": len(groups), "release-group-offset": offset,
                                "release-groups": page})

    def release_group_cover(self, path: str) -> Reply | None:
        """/release-group/{mbid}/front[-250] → 307 to a drawn image (None: not a release-group path)."""
        match = _RG_COVER_RE.match(path)
        if not match:
            return None
        mbid, size = match.groups()
        title = COVERED.get(mbid)
        if title is None:
            return 404, {"Content-Type": "text/plain", **_CORS}, (
                f"No front cover image found for release group with identifier {mbid}\n".encode())
        sandbox_data.IMAGE_LABELS[f"caa-{mbid}"] = title
        status, headers, body = redirect(f"{self.url}/images/caa/{mbid}-{size or '500'}.png", 307)
        return status, {**headers, **_CORS}, body
