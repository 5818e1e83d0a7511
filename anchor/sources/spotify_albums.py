"""Pure shaping of Spotify objects: top albums derived from top tracks, normalised artists."""

from __future__ import annotations

from typing import Any

from .base import safe_url as _allowed


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# Where Spotify's links and images live; anything else in an answer is dropped.
HOSTS = ("open.spotify.com", ".scdn.co", ".spotifycdn.com")


def safe_url(value: Any, allow_loopback: bool = False) -> str | None:
    """The URL if a page may link to it or load it: https on a Spotify host (loopback: sandbox)."""
    return _allowed(value, HOSTS, allow_loopback=allow_loopback)


def largest_image(images: Any, allow_loopback: bool = False) -> str | None:
    """URL of the largest image in a Spotify image list (None when there is none)."""
    best, best_area = None, -1
    for image in images if isinstance(images, list) else []:
        if not isinstance(image, dict) or not safe_url(image.get("url"), allow_loopback):
            continue
        width, height = image.get("width"), image.get("height")
        area = width * height if isinstance(width, int) and isinstance(height, int) else 0
        if area > best_area:
            best, best_area = image["url"], area
    return best


def spotify_url(item: dict, allow_loopback: bool = False) -> str | None:
    """The open.spotify.com link of an object, if present."""
    urls = item.get("external_urls")
    return safe_url(urls.get("spotify"), allow_loopback) if isinstance(urls, dict) else None


def release_year(release_date: Any) -> int | None:
    """Year from "YYYY", "YYYY-MM" or "YYYY-MM-DD" (None for missing or "0000")."""
    head = release_date[:4] if isinstance(release_date, str) else ""
    return int(head) if len(head) == 4 and head.isdigit() and int(head) > 0 else None


def _artist_names(artists: Any) -> list[str]:
    return [a["name"] for a in artists if isinstance(a, dict) and _str(a.get("name"))] \
        if isinstance(artists, list) else []


def derive_top_albums(tracks: list[dict], limit: int = 12, allow_loopback: bool = False) -> list[dict]:
    """Rank albums by how many top tracks they hold, then by their best (lowest) track rank."""
    albums: dict[str, dict] = {}
    seen_tracks: set[str] = set()
    for rank, track in enumerate(tracks, start=1):
        if not isinstance(track, dict) or not _str(track.get("id")) or track["id"] in seen_tracks:
            continue
        seen_tracks.add(track["id"])
        album = track.get("album")
        if not isinstance(album, dict) or not _str(album.get("id")):
            continue
        entry = albums.get(album["id"])
        if entry is None:
            names = _artist_names(album.get("artists")) or _artist_names(track.get("artists"))
            albums[album["id"]] = {
                "id": album["id"], "name": album.get("name") if isinstance(album.get("name"), str) else "",
                "artists": names, "year": release_year(album.get("release_date")),
                "image": largest_image(album.get("images"), allow_loopback),
                "url": spotify_url(album, allow_loopback),
                "trackCount": 1, "bestRank": rank,
            }
        else:
            entry["trackCount"] += 1
            entry["bestRank"] = min(entry["bestRank"], rank)
    ordered = sorted(albums.values(), key=lambda a: (-a["trackCount"], a["bestRank"]))
    return ordered[:max(0, limit)]


def normalize_artists(items: list[dict], limit: int = 20, allow_loopback: bool = False) -> list[dict]:
    """Artists in rank order as {id, name, url, image, rank}; malformed or repeated ones skipped."""
    result: list[dict] = []
    seen: set[str] = set()
    for item in items if isinstance(items, list) else []:
        if len(result) >= limit:
            break
        if not isinstance(item, dict) or not _str(item.get("id")) or not isinstance(item.get("name"), str):
            continue
        if item["id"] in seen:
            continue
        seen.add(item["id"])
        result.append({"id": item["id"], "name": item["name"], "url": spotify_url(item, allow_loopback),
                       "image": largest_image(item.get("images"), allow_loopback), "rank": len(result) + 1})
    return result
