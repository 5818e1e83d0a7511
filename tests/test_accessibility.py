"""axe-core on the landing page, the dashboard and the public page: no serious or critical issues."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS
from tests.browser_flows import published_profile, settled, sign_in

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
AXE_DIR = ARTIFACTS / "axe"


def run_axe(page, axe_script, name):
    """Inject axe-core, run it on the page, save the results JSON; returns the violations."""
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("axe.run()")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    (AXE_DIR / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    violations = results["violations"]
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        print(f"axe {name}: [{violation['impact']}] {violation['id']} — {violation['help']} "
              f"({len(violation['nodes'])} node(s), e.g. {targets})")
    return violations


def assert_no_blocking(violations, name):
    blocking = [f"{v['impact']}: {v['id']} ({len(v['nodes'])} node(s)) — {v['help']}"
                for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe found serious/critical issues on {name}:\n" + "\n".join(blocking)


@pytest.fixture
def published_page(live_server, new_context):
    """(base URL, signed-in page, handle): a published profile with one album hidden and one featured."""
    page = new_context(bypass_csp=True).new_page()
    handle = published_profile(page, live_server.url, "lena")
    albums = page.locator("#items ol.albums > li")
    albums.nth(1).get_by_role("button", name=re.compile("^Feature")).click()
    expect(page.locator("#flash")).to_contain_text("Updated what your page features.")
    settled(page)
    albums.nth(2).get_by_role("button", name=re.compile("^Hide")).click()
    expect(page.locator("#items .hidden-item")).to_have_count(1)
    settled(page)
    return live_server.url, page, handle


def test_landing_page(live_server, new_context, axe_script):
    page = new_context(bypass_csp=True).new_page()
    page.goto(live_server.url + "/")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        name = f"landing-{scheme}"
        assert_no_blocking(run_axe(page, axe_script, name), name)


def test_dashboard_and_public_page(published_page, axe_script):
    base, page, handle = published_page
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(base + "/dashboard")
        found[f"dashboard-{scheme}"] = run_axe(page, axe_script, f"dashboard-{scheme}")
        page.goto(f"{base}/{handle}")
        found[f"public-{scheme}"] = run_axe(page, axe_script, f"public-{scheme}")
    for name, violations in found.items():
        assert_no_blocking(violations, name)


def test_claim_form(live_server, new_context, axe_script):
    page = new_context(bypass_csp=True).new_page()
    sign_in(page, live_server.url, "ifeoma")
    assert_no_blocking(run_axe(page, axe_script, "dashboard-claim"), "dashboard-claim")
