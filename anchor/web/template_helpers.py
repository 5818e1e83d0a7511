"""Template filters and globals: times, the message slots next to controls, the CSRF field."""
from flask import current_app
from jinja2 import pass_context
from markupsafe import Markup

from anchor import clock


def register(app):
    """Filters and globals for the dashboard and public page templates."""
    @app.template_filter("when")
    def _when(moment):
        """A <time> the dashboard's script shows in the viewer's zone; UTC text without script."""
        if not moment:
            return "—"
        return Markup('<time datetime="{}" data-local>{}</time>').format(
            clock.iso(moment), moment.strftime("%-d %b %Y, %H:%M UTC"))

    @app.template_global()
    @pass_context
    def feedback(context, place, oob=False):
        """The message slot next to a control: what the last action there said (`oob`: the
        same slot as an out-of-band swap, for answers that do not re-render that control)."""
        found = [(kind, text) for kind, text, where in context.get("messages") or [] if where == place]
        body = Markup("").join(Markup('<p class="flash {}">{}</p>').format(kind, text) for kind, text in found)
        swap = Markup(' hx-swap-oob="innerHTML"') if oob else ""
        return Markup('<div class="feedback" id="feedback-{}"{}>{}</div>').format(place, swap, body)

    @app.template_filter("day")
    def _day(moment):
        return moment.strftime("%-d %B %Y") if moment else "—"

    @app.template_global()
    def csrf_field():
        from flask_wtf.csrf import generate_csrf
        return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()

    @app.context_processor
    def _now():
        return {"now": clock.now(), "demo_spotify": current_app.config["SPOTIFY_SANDBOX"]}
