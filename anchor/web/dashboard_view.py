"""The dashboard's view of a profile: every item with its state, copy provenance, refresh state."""
from flask import current_app

from anchor.profiles import copywriting, lifecycle, listening, service
from anchor.refresh import engine

PROVIDER_LABELS = {"offline": "offline writer", "bedrock": "Amazon Bedrock"}


def dashboard_view(profile):
    """Everything the dashboard template shows about the owner's profile."""
    data = service.items(profile)
    arrangement = service.layout(profile)
    hidden, pinned = set(arrangement["hidden"]), set(arrangement["pinned"])
    kept = copywriting.locks(profile)
    lines = profile.albumLines or {}
    meta = profile.copyMeta or {}
    artists = [dict(a, hidden=a["id"] in hidden, pinned=a["id"] in pinned) for a in data.get("artists", [])]
    albums = [dict(a, hidden=a["id"] in hidden, pinned=a["id"] in pinned, line=lines.get(a["id"], ""),
                   locked=a["id"] in kept["lines"]) for a in data.get("albums", [])]
    return {
        "artists": artists, "albums": albums, "bio_locked": kept["bio"],
        "bio_held": bool((profile.pageCopy or {}).get("bioHeld")),
        "version_ids": ["name", "bio"] + [f"line-{a['id']}" for a in albums],
        "provider_label": PROVIDER_LABELS.get(meta.get("provider"), "no copy yet"),
        "copy_model": meta.get("modelId"), "copy_written_at": meta.get("createdAt"),
        "copy_stale": bool(profile.bio) and profile.copyHash != profile.dataHash,
        "restore_until": lifecycle.restore_deadline(profile),
        "refresh_state": engine.manual_refresh_status(profile),
        **source_view(profile),
    }


SIGN_IN = {"spotify": "auth.login", "listenbrainz": "auth.login_listenbrainz", "lastfm": "auth.login_lastfm"}
SANDBOX_FLAG = {"spotify": "SPOTIFY_SANDBOX", "listenbrainz": "BRAINZ_SANDBOX", "lastfm": "LASTFM_SANDBOX"}
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
        "source_demo": config.get(SANDBOX_FLAG.get(shown, ""), False),
        "ai_allowed": copywriting.writer_for(profile) != "offline" or config["AI_PROVIDER"] == "offline",
        "sources": [{"name": name, "label": listening.label(name), "shown": name == shown,
                     "user": listening.external_id(profile, name), "note": NOTES[name],
                     "linkable": name in SIGN_IN}
                    for name in (*SIGN_IN, "upload")],
    }
