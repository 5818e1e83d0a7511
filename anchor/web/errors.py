"""Error pages: clear words, never a stack trace."""
import logging

from flask import g, make_response, render_template
from flask_wtf.csrf import CSRFError
from pynamodb.exceptions import PynamoDBException
from werkzeug.exceptions import HTTPException

from anchor.logs import log_event

log = logging.getLogger("anchor.errors")

RETRY_AFTER_SECONDS = 30
MESSAGES = {
    400: ("Bad request", "That request did not make sense to us."),
    403: ("Not allowed", "You are not allowed to do that."),
    404: ("Page not found", "There is no public page here. The handle may be unclaimed, "
                            "unpublished or deleted."),
    405: ("Not allowed", "That page does not accept this kind of request."),
    413: ("Too large", "That was more than we accept in one request."),
    429: ("Slow down", "Too many requests. Please wait a moment and try again."),
    500: ("Something went wrong", "Something broke on our side. It has been logged; please try again."),
    503: ("Unavailable", "The service is briefly unavailable. Please try again in a minute."),
}


def render_error(status, detail=None):
    """The one error page template, for any status."""
    title, text = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title,
                           text=detail or text), status


def init_app(app):
    """Register handlers for HTTP errors, CSRF failures and crashes."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, "Your form expired or did not come from this site. "
                                 "Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(PynamoDBException)
    def _database(exc):
        # Condition failures are handled where they happen; what reaches here is DynamoDB not
        # answering (timeouts, throttling, the bulkhead): say so, and when to come back.
        log_event(log, "dynamodb unavailable", level=logging.WARNING, error=type(exc).__name__,
                  cause=type(exc.cause).__name__ if exc.cause else None, request_id=g.get("request_id"))
        body, status = render_error(503)
        response = make_response(body, status)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    def _crash(exc):
        log_event(log, "unhandled error", level=logging.ERROR, exc_info=True, request_id=g.get("request_id"))
        return render_error(500)
