"""Extensions created once and bound in create_app (OAuth clients are per app: anchor/web/auth.py)."""
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()      # gzip for HTML, CSS, JS, SVG, feeds; stored public pages arrive compressed


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session; a request without the cookie (every visitor of a public
    page) gets an empty session without building the signer first."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
