"""The dashboard's view of a profile: every item with its state, copy provenance, refresh state."""
from flask import current_app

from anchor.profiles import copyjobs, copywriting, index, lifecycle, links, listening, service
from anchor.refresh import manual, steps

PROVIDER_LABELS = {"offline": "offline writer", "bedrock": "Amazon Bedrock"}


def dashboard_view(profile):
    """Everything the dashboard template shows about the owner's profile."""
    data = service.items(profile)
    arrangement = service.layout(profile)
    hidden, pinned = set(arrangement["hidden"]), set(arrangement["pinned"])
    kept = service.locks(profile)
    lines = profile.albumLines or {}
    meta = profile.copyMeta or {}
    listed = service.order(data, profile.layout)          # the page's own order, hidden ones kept
    shown = service.arrange(data, profile.layout)         # exactly what the page shows
    rank = {kind: {i["id"]: n for n, i in enumerate(shown[kind], 1)} for kind in shown}

    def entry(kind, item, at):
        return dict(item, hidden=item["id"] in hidden, pinned=item["id"] in pinned,
                    page_rank=rank[kind].get(item["id"]), first=at == 0, last=at == len(listed[kind]) - 1)
    artists = [entry("artists", a, n) for n, a in enumerate(listed["artists"])]
    albums = [dict(entry("albums", a, n), line=lines.get(a["id"], ""), locked=a["id"] in kept["lines"])
              for n, a in enumerate(listed["albums"])]
    return {
        "artists": artists, "albums": albums, "bio_locked": kept["bio"],
        "bio_held": bool((profile.pageCopy or {}).get("bioHeld")),
        "owner_links": links.dashboard_rows(profile), "link_max": links.LINK_MAX, "label_max": links.LABEL_MAX,
        "version_ids": ["name", "bio"] + [f"line-{a['id']}" for a in albums],
        "provider_label": PROVIDER_LABELS.get(meta.get("provider"), "no copy yet"),
        "next_writer_label": PROVIDER_LABELS[copywriting.writer_for(profile)],
        "copy_model": meta.get("modelId"), "copy_written_at": meta.get("createdAt"),
        "copy_stale": bool(profile.bio or profile.copyMeta) and profile.copyHash != profile.dataHash,
        "restore_until": lifecycle.restore_deadline(profile),
        "refresh_state": manual.manual_refresh_status(profile),
        "next_refresh": next_refresh(profile), "source_connected": index.is_connected(profile),
        **source_view(profile),
    }


def refresh_note(profile, copy_job):
    """The last refresh's note; it says the copy is being written only while that is true."""
    note = profile.lastRefreshMessage
    writing = (profile.lastRefreshStatus == steps.COPY_PENDING      # the refresh writes it itself
               or (copy_job is not None and copy_job.status == copyjobs.RUNNING))
    if note and note.endswith(copyjobs.WRITING) and not writing:
        return note.removesuffix(copyjobs.WRITING).rstrip()
    return note


def next_refresh(profile):
    """(time or None, words): when the pass refreshes this page next, by the one index rule."""
    if index.belongs_in_index(index.state_of(profile)):
        return profile.nextRefreshAt, ("retrying on its own" if not service.has_data(profile) else "")
    if not index.is_connected(profile):
        return None, "none until you reconnect"
    if service.source_of(profile) == "upload":
        return None, "upload a newer file to update your page"
    if not profile.autoRefreshEnabled:
        return None, "weekly refresh is off"
    if not profile.isPublic:
        return None, "weekly refresh starts when you publish"
    return None, "after the next refresh by hand"


SIGN_IN = {"spotify": "auth.login", "listenbrainz": "auth.login_listenbrainz", "lastfm": "auth.login_lastfm"}
NOTES = {"spotify": "Top artists and tracks; Spotify's terms keep its data from AI models.",
         "listenbrainz": "Open (CC0) statistics, with cover art from the Cover Art Archive; "
                         "sign in with your MusicBrainz account.",
         "lastfm": "Top artists and albums of your scrobbles.",
         "upload": "Your own streaming history, with real play counts and minutes."}


def source_view(profile):
    """The page's source and every source the owner can link or show."""
    shown = service.source_of(profile)
    config = current_app.config
    return {
        "source_label": listening.label(shown), "source_login": SIGN_IN.get(shown, "auth.login"),
        "source_demo": listening.stand_in(shown),
        "ai_allowed": copywriting.writer_for(profile) != "offline" or config["AI_PROVIDER"] == "offline",
        "sources": [{"name": name, "label": listening.label(name), "shown": name == shown,
                     "user": listening.external_id(profile, name), "note": NOTES[name],
                     "linkable": name in SIGN_IN}
                    for name in (*SIGN_IN, "upload")],
    }
