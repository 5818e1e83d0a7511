"""Security headers on every answer."""
from urllib.parse import urlsplit

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' {images}; "
       "font-src 'self'; connect-src 'self'; form-action 'self' {forms}; base-uri 'none'; "
       "object-src 'none'; frame-ancestors 'none'")


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app(app):
    """Attach CSP, nosniff, referrer and framing headers."""
    config = app.config
    # Spotify's image CDN; the Cover Art Archive, which redirects to archive.org's file hosts;
    # Last.fm's image CDNs (sources/lastfm.py IMAGE_HOSTS, which also serve users' pictures).
    # The local stand-ins serve their own images.
    images = ["https://i.scdn.co", "https://*.scdn.co", "https://*.spotifycdn.com", "https://coverartarchive.org",
              "https://archive.org", "https://*.archive.org", "https://lastfm.freetls.fastly.net",
              "https://lastfm-img2.akamaized.net", "https://userserve-ak.last.fm"]
    for flag, url in (("SPOTIFY_SANDBOX", "SPOTIFY_API_URL"), ("BRAINZ_SANDBOX", "COVERART_URL"),
                      ("LASTFM_SANDBOX", "LASTFM_API_URL")):
        if config[flag]:
            images.append(_origin(config[url]))
    if config.get("PHOTO_BASE_URL"):      # the owners' photos (anchor/photos_store.py)
        images.append(_origin(config["PHOTO_BASE_URL"]))
    # Sign-in forms post here and are redirected on to each service's consent page.
    forms = [_origin(config[name]) for name in ("SPOTIFY_ACCOUNTS_URL", "MUSICBRAINZ_URL", "LASTFM_AUTH_URL")]
    policy = CSP.format(images=" ".join(dict.fromkeys(images)), forms=" ".join(dict.fromkeys(forms)))

    fixed = [("Content-Security-Policy", policy), ("X-Content-Type-Options", "nosniff"),
             ("Referrer-Policy", "strict-origin-when-cross-origin"), ("X-Frame-Options", "DENY"),
             ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    if config["ENV"] == "production":
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    fixed = [(name.lower(), name, value) for name, value in fixed]

    @app.after_request
    def _headers(response):
        # One pass over the answer's headers, then appends: a view may set its own (the card's CSP).
        present = {name.lower() for name in response.headers.keys()}
        for lowered, name, value in fixed:
            if lowered not in present:
                response.headers.add(name, value)
        return response
