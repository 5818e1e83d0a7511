"""What the public template is given, built from the one profile item, and the visitor's page."""
from flask import current_app, render_template, url_for

from anchor.pages import identity, public_view, share_images, year_view
from anchor.profiles import listening, service
from anchor.sources.base import RANGE_LABELS


def absolute_url(endpoint, **values):
    """An absolute URL under the configured base URL (never the Host header a client sent)."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def public_context(profile, preview=False, range_name=None, owner=False):
    """What the public template needs, built from the one profile item."""
    default_range = service.page_range(service.listening(profile))
    range_name = range_name or default_range
    shown = service.visible(profile, range_name)
    page = public_view.page_copy(profile)      # what names a hidden item already left out at write time
    bio = page.get("bio") or ""
    name = shown["displayName"]
    description = bio if len(bio) <= 160 else bio[:157].rsplit(" ", 1)[0] + "…"
    if not description:
        description = f"{name}'s top artists and albums on Anchor.band."
    source = service.source_of(profile)
    albums = public_view.rows(shown["albums"])
    changes = public_view.latest_changes(profile) if range_name == default_range else None
    return {
        "profile": profile, "name": name, "bio": bio, "photo": identity.photo(profile, name), "lines": page.get("albumLines") or {},
        "artists": public_view.with_album_art(public_view.rows(shown["artists"]), albums), "albums": albums,
        "totals": public_view.totals(shown["artists"], range_name), "marks": public_view.marks(changes),
        "featured": public_view.featured_rows(service.featured_of(profile, range_name)),
        "description": description, "canonical": absolute_url("public.profile", handle=profile.handle),
        "og_image": share_images.stored_urls(profile).get("card")
        or absolute_url("public.share_image", handle=profile.handle, v=public_view.card_version(profile)),
        "og_image_alt": f"{name} on Anchor.band: " + ", ".join(a["name"] for a in shown["artists"][:3]),
        "feed_url": absolute_url("public.feed", handle=profile.handle),
        "updated": (service.listening(profile) or {}).get("fetchedAt"), "preview": preview,
        "listening_up_to": public_view.listening_up_to(service.listening(profile)),
        "source": source, "source_label": listening.label(source),
        "source_link": public_view.source_link(profile, source),
        "ranges": public_view.range_links(profile, range_name),
        "range_label": RANGE_LABELS.get(range_name, range_name),
        "changes": changes, "years": year_view.timeline(profile) if range_name == default_range else [],
        "owner_links": profile.ownerLinks or [],
        "writers": public_view.writers(profile), "owner": owner and not preview,
    }


def visitor_html(profile):
    """The page a visitor sees, as bytes (stored on the item by pages/render.py)."""
    return render_template("public/profile.html", **public_context(profile)).encode()
