"""The dashboard's sharing panel: only once published; link, QR code, share card, embed snippet."""
import html
import re

from tests.web_helpers import claim, post


def test_sharing_panel_appears_after_publishing(app):
    owner = app.test_client()
    claim(owner, "nadia")
    assert 'id="share"' not in owner.get("/dashboard").get_data(as_text=True)
    post(owner, "/dashboard/publish", {})
    body = owner.get("/dashboard").get_data(as_text=True)
    base = app.config["BASE_URL"]
    assert f'id="share-url" type="text" readonly value="{base}/nadia"' in body
    qr = re.search(r'<svg role="img" aria-label="QR code for ([^"]+)"[^>]*>(.*?)</svg>', body, re.S)
    assert qr and qr.group(1) == f"{base}/nadia" and "<path" in qr.group(2)
    assert re.search(rf'href="{re.escape(base)}/nadia/og\.png\?v=\w+" download="anchor-nadia\.png"', body)
    snippet = html.unescape(re.search(r'<textarea id="share-snippet"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    assert snippet.startswith(f'<a href="{base}/nadia"><img src="{base}/nadia/card.svg" alt="')
    assert 'data-copy="share-url" hidden' in body          # shown by share.js where copying works
    assert owner.get("/nadia/card.svg").status_code == 200


def test_hostile_names_stay_escaped_in_the_snippet(app):
    owner = app.test_client()
    claim(owner, "xss-probe")
    post(owner, "/dashboard/publish", {})
    body = owner.get("/dashboard").get_data(as_text=True)
    snippet = re.search(r'<textarea id="share-snippet"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    pasted = html.unescape(snippet)                           # what the owner copies
    assert "<" not in snippet and "<script" not in pasted and "&lt;script&gt;" in pasted
