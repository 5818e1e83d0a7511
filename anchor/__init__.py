"""Anchor.band: a public music profile built from Spotify data."""
from flask import Flask

from anchor.models import binding
from anchor.config import ROOT, ConfigError, load_config

__all__ = ["create_app", "ConfigError"]


def create_app(config=None):
    """Build the Flask app from a Config object (default: from the environment)."""
    config = config or load_config()
    config.validate()
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.from_mapping(config.as_dict())
    app.config["SPOTIFY_SANDBOX"] = config.SPOTIFY_SANDBOX
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from anchor.rules import template_rules
    app.jinja_env.globals["rules"] = template_rules()

    binding.bind(config.TABLE_PREFIX, config.DYNAMODB_ENDPOINT, config.AWS_REGION)

    from anchor import logs
    from anchor.extensions import CookieSessions, compress, csrf, login_manager
    from anchor.vault import make_vault
    from anchor.web import request_log

    logs.configure_logging(log_dir=app.config.get("LOG_DIR"))
    request_log.init_app(app)
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    login_manager.init_app(app)
    from anchor.profiles.accounts import load_account
    login_manager.user_loader(load_account)
    login_manager.login_view = "signin.chooser"    # every way in, never one provider
    app.extensions["anchor.vault"] = make_vault(app.config)
    from anchor.profiles import imports
    imports.init_app(app)                 # uploads left by killed processes go, now and then

    from anchor.web import (assets, auth, dashboard, errors, limits, public, public_page, security, site,
                            template_helpers)
    from anchor.web import dashboard_account  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import links  # noqa: F401  (its views register on dashboard.bp and public.bp)
    from anchor.web import dashboard_photo  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import dashboard_music  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import dashboard_share  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import dashboard_passkeys  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import dashboard_years  # noqa: F401  (its views register on dashboard.bp)
    from anchor.web import signin
    # `/static//x` must not be answered with a redirect to whatever Host the client sent.
    app.url_map.merge_slashes = False
    assets.init_app(app)
    public_page.init_app(app)
    compress.init_app(app)
    template_helpers.register(app)
    security.init_app(app)
    errors.init_app(app)
    limits.init_app(app)
    auth.init_oauth(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(signin.bp)
    app.register_blueprint(dashboard.bp)
    if app.config["ROLE"] == "worker":      # the worker tier's daemon route exists only there
        from anchor.web import worker
        worker.init_app(app)
    app.register_blueprint(public.bp)

    from anchor import cli
    cli.init_app(app)
    return app
