"""The dashboard's view of a profile: every item with its state, copy provenance, refresh state."""
from flask import current_app, url_for

from anchor.pages import public_view
from anchor.profiles import copyjobs, copywriting, index, lifecycle, links, listening, service
from anchor.refresh import manual, steps
from anchor.sources.base import RANGE_LABELS

PROVIDER_LABELS = {"offline": "offline writer", "bedrock": "Amazon Bedrock"}


def dashboard_view(profile, range_name=None):
    """Everything the dashboard template shows about the owner's profile (`range_name`: which
    range's lists it shows; None: the page's own)."""
    range_name = range_name or service.page_range(service.listening(profile))
    data = service.items(profile, range_name)
    arrangement = service.layout(profile)
    hidden, featured = set(arrangement["hidden"]), {f["id"] for f in arrangement["featured"]}
    kept = service.locks(profile)
    lines = profile.albumLines or {}
    meta = profile.copyMeta or {}
    listed = service.order(data)                          # ranked by count, hidden ones kept
    shown = service.arrange(data, profile.layout)         # exactly what the page shows
    rank = {kind: {i["id"]: n for n, i in enumerate(shown[kind], 1)} for kind in shown}

    def entry(kind, item):
        return dict(item, hidden=item["id"] in hidden, featured=item["id"] in featured,
                    page_rank=rank[kind].get(item["id"]), count=public_view.count_text(item))
    artists = [entry("artists", a) for a in listed["artists"]]
    albums = [dict(entry("albums", a), line=lines.get(a["id"], ""), locked=a["id"] in kept["lines"])
              for a in listed["albums"]]
    return {
        "artists": artists, "albums": albums, "bio_locked": kept["bio"],
        "featured": service.featured_of(profile, range_name), "range_param": public_view.PARAM_OF.get(range_name),
        "dash_ranges": range_links(profile, range_name),
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


def pick_range(profile, param):
    """The range a dashboard `?range=` asks for; the page's own for none or one it does not hold."""
    try:
        return public_view.pick_range(profile, param or None)
    except public_view.UnknownRange:
        return public_view.pick_range(profile, None)


def range_links(profile, current):
    """The dashboard's range switch: plain links (no JavaScript needed), one per range with data."""
    default = service.page_range(service.listening(profile))
    links = []
    for name in service.available_ranges(profile):
        if name != default and name not in public_view.PARAM_OF:
            continue
        values = {} if name == default else {"range": public_view.PARAM_OF[name]}
        links.append({"label": RANGE_LABELS.get(name, name).capitalize(), "current": name == current,
                      "href": url_for("dashboard.home", _anchor="items", **values)})
    return links if len(links) > 1 else []


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
    page_writer = copywriting.writer_for(profile)
    upload_writer = copywriting.writer_for_source("upload")      # an upload is the listener's own data
    # The dashboard names the model only where the page's own source may reach it (next_writer_label);
    # elsewhere the upload note still says plainly that an upload's totals may reach a model, unnamed.
    return {
        "source_label": listening.label(shown), "source_login": SIGN_IN.get(shown, "auth.login"),
        "source_demo": listening.stand_in(shown),
        "ai_allowed": page_writer != "offline" or config["AI_PROVIDER"] == "offline",
        "upload_ai_label": None if upload_writer == "offline" else PROVIDER_LABELS[upload_writer],
        "upload_ai_named": page_writer != "offline",
        "sources": [{"name": name, "label": listening.label(name), "shown": name == shown,
                     "user": listening.external_id(profile, name), "note": NOTES[name],
                     "linkable": name in SIGN_IN}
                    for name in (*SIGN_IN, "upload")],
    }
