"""The dashboard's view of a profile: every item with its state, copy provenance, refresh state."""
from anchor.profiles import copywriting, lifecycle, service
from anchor.refresh import engine

PROVIDER_LABELS = {"offline": "offline writer", "bedrock": "Amazon Bedrock"}


def dashboard_view(profile):
    """Everything the dashboard template shows about the owner's profile."""
    data = profile.spotify or {}
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
        "version_ids": ["name", "bio"] + [f"line-{a['id']}" for a in albums],
        "provider_label": PROVIDER_LABELS.get(meta.get("provider"), "no copy yet"),
        "copy_model": meta.get("modelId"), "copy_written_at": meta.get("createdAt"),
        "copy_stale": bool(profile.bio) and profile.copyHash != profile.dataHash,
        "restore_until": lifecycle.restore_deadline(profile),
        "refresh_state": engine.manual_refresh_status(profile),
    }
