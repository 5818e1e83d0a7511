"""The one place that decides fragment or full page, and answers form posts both ways."""
from flask import flash, make_response, redirect, render_template, request, url_for
from jinja2_fragments.flask import render_blocks


def is_htmx():
    """An HTMX request that wants a fragment (boosted navigation gets full pages)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(template, blocks, **context):
    """Full page for normal requests, the named blocks of the same template for HTMX."""
    if is_htmx():
        body = render_blocks(template, blocks, fragment=True, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response


def after_post(template, blocks, context_fn, *, message=None, error=None, endpoint="dashboard.home",
               place=None, values=None):
    """HTMX: the updated fragment with the message; plain form: flash + redirect-after-post.

    `place` is the id of the element next to the control that was used: the message is shown
    there, and a plain form's redirect carries it as the fragment so the browser scrolls back,
    and `values` as its query (the range a list was shown in).
    """
    if is_htmx():
        return render(template, blocks, **context_fn(message=message, error=error, place=place))
    if error or message:
        category = "error" if error else "ok"
        flash(error or message, f"{category} {place}" if place else category)
    response = redirect(url_for(endpoint, _anchor=place, **(values or {})), code=303)
    response.headers["Vary"] = "HX-Request"
    return response
