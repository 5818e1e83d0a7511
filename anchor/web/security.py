"""Security headers on every answer."""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' {images}; "
       "font-src 'self'; connect-src 'self'; form-action 'self' {forms}; base-uri 'none'; "
       "object-src 'none'; frame-ancestors 'none'")


def init_app(app):
    """Attach CSP, nosniff, referrer and framing headers."""
    images = "https://i.scdn.co https://*.scdn.co https://mosaic.scdn.co"
    forms = app.config["SPOTIFY_ACCOUNTS_URL"]
    if app.config["SPOTIFY_SANDBOX"]:
        images += " " + app.config["SPOTIFY_API_URL"]
    policy = CSP.format(images=images, forms=forms)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
