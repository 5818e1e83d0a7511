"""Extensions created once and bound in create_app (OAuth clients are per app: anchor/web/auth.py)."""
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()      # gzip for HTML, CSS, JS, SVG, feeds; stored public pages arrive compressed
