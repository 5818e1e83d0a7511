"""ListenBrainz statistics payloads built from the shared demo listeners (pure functions)."""
from __future__ import annotations

import time
from urllib.parse import quote

from .brainz_activity import entity_bounds, listens
from .demo_music import NOT_COMPUTED, PARTIAL, Album, Artist, Listener, ranked

# Entities served by /1/stats/user/{user}/<path>: (payload key, total key).
ENTITIES = {"artists": ("artists", "total_artist_count"), "releases": ("releases", "total_release_count"),
            "release-groups": ("release_groups", "total_release_group_count")}
RANGE_SECONDS = {"week": 7, "this_week": 7, "month": 30, "this_month": 30, "quarter": 91, "half_yearly": 182,
                 "year": 365, "this_year": 365}
ALL_TIME_FROM = 1009843200  # 2002-01-01, where ListenBrainz's all_time statistics begin


def computed(listener: Listener, stats_range: str) -> bool:
    """False where the statistics job has not run for this user and range yet (the API answers 204)."""
    if listener.name == NOT_COMPUTED:
        return False
    return not (listener.name == PARTIAL and stats_range != "all_time")


def _credit(album: Album) -> list[dict] | None:
    if album.group_mbid is None:
        return None  # unmatched listens carry no credit breakdown
    last = len(album.artists) - 1
    return [{"artist_credit_name": a.name, "join_phrase": "" if i == last else " & ", "artist_mbid": a.mbid}
            for i, a in enumerate(album.artists)]


def artist_record(artist: Artist, count: int) -> dict:
    """One item of the artists payload; every field present, null when unknown."""
    return {"artist_mbid": artist.mbid, "artist_name": artist.name, "listen_count": count}


def release_record(album: Album, count: int) -> dict:
    """One item of the releases payload (no release_group_mbid, as the real one)."""
    return {"artist_mbids": [a.mbid for a in album.artists if a.mbid] if album.group_mbid else [],
            "artist_name": album.credit, "artists": _credit(album), "caa_id": album.caa_id,
            "caa_release_mbid": album.caa_release_mbid, "listen_count": count,
            "release_mbid": album.release_mbid, "release_name": album.name}


def release_group_record(album: Album, count: int) -> dict:
    """One item of the release-groups payload."""
    return {"artist_mbids": [a.mbid for a in album.artists if a.mbid] if album.group_mbid else [],
            "artist_name": album.credit, "artists": _credit(album), "caa_id": album.caa_id,
            "caa_release_mbid": album.caa_release_mbid, "listen_count": count,
            "release_group_mbid": album.group_mbid, "release_group_name": album.name}


def entity_payload(listener: Listener, typed_name: str, entity: str, stats_range: str, count: int, offset: int,
                   epoch: int = 0, now: float | None = None) -> dict:
    """The 200 answer of /1/stats/user/{user}/{entity}; `user_id` echoes the name as typed."""
    key, total_key = ENTITIES[entity]
    moment = now if now is not None else time.time()
    calendar_range = entity_bounds(stats_range, moment)
    if entity == "artists":
        mix = ranked(listener.artists, f"{listener.name}|artists", stats_range, epoch)
    else:
        mix = ranked(listener.albums, f"{listener.name}|albums", stats_range, epoch)
    if calendar_range:
        mix = _within(mix, sum(1 for t in listens(listener, moment) if calendar_range[0] <= t < calendar_range[1]))
    if entity == "artists":
        rows = [artist_record(a, n) for a, n in mix]
    else:
        render = release_record if entity == "releases" else release_group_record
        rows = [render(a, n) for a, n in mix]
    count = min(count, 1000)  # clamped, not refused
    page = rows[offset:offset + count]
    updated = int(moment) // 86400 * 86400
    from_ts = ALL_TIME_FROM if stats_range == "all_time" else updated - RANGE_SECONDS[stats_range] * 86400
    if calendar_range:  # the year ranges are calendar years, as ListenBrainz's get_dates_for_stats_range
        from_ts, _end = calendar_range
    return {"payload": {"user_id": typed_name, key: page, "count": len(page), total_key: len(rows),
                        "offset": offset, "range": stats_range, "from_ts": from_ts, "to_ts": updated,
                        "last_updated": updated}}


def _within(mix: list, total: int) -> list:
    """A calendar year's ranked counts scaled so they add up to no more than that year's listens, as
    ListenBrainz's own year statistics do (each listen counts once per list); order is kept."""
    counted = sum(n for _item, n in mix)
    if not total or counted <= total:
        return mix
    kept, left = [], total
    for item, n in mix:
        share = max(1, n * total // counted)
        if share > left:
            break
        kept.append((item, share))
        left -= share
    return kept


def userinfo(listener: Listener, base_url: str) -> dict:
    """The /oauth2/userinfo answer for the profile scope (no e-mail)."""
    return {"sub": listener.name, "profile": f"{base_url}/user/{quote(listener.name)}",
            "metabrainz_user_id": listener.user_id, "zoneinfo": listener.zoneinfo}
