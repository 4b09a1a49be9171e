"""The page's Content-Security-Policy: only its own origin, no inline script, no
eval; a whole reading happens with no violation.

What needs what, found by serving the page under tighter policies:
- 'wasm-unsafe-eval': Pyodide and TF.js compile WebAssembly, and nothing else is
  allowed to be compiled or evaluated;
- nothing needs 'unsafe-eval'. PyScript 0.7.31 would, whenever it starts Python: it
  composes its hooks for workers into one function with Function(), and it always has
  a hook of its own there. The page starts no worker and empties that hook before
  Python starts (static/app.js), so the test below fails if PyScript evaluates again.
  TF.js's core bundle evaluates nothing (the full tf.min.js's regenerator runtime
  would).
"""

import re
from html.parser import HTMLParser

import pytest

from tests.browser import helpers

# No directive may allow more than these.
SCRIPT_SOURCES = {"'self'", "'wasm-unsafe-eval'"}
OTHER_SOURCES = {"'self'", "'none'"}
# Schemes the page's own policy still allows where the strict one below shows it needs none.
TOLERATED = {"img-src": {"data:", "blob:"}, "worker-src": {"blob:"}}

# The tightest policy the page runs under with no violation (see the test below).
STRICTEST = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)

WATCH = """
window.cspViolations = [];
addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber}), true);
"""


class MetaPolicy(HTMLParser):
    def __init__(self):
        super().__init__()
        self.policies = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(attrs.get("content") or "")


def page_policy(html: str) -> dict[str, list[str]]:
    parser = MetaPolicy()
    parser.feed(html)
    assert len(parser.policies) == 1, "index.html sets one Content-Security-Policy"
    directives = {}
    for part in parser.policies[0].split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def with_policy(html: str, policy: str) -> str:
    changed, n = re.subn(
        r'(http-equiv="Content-Security-Policy"\s+content=")[^"]*"', lambda m: m.group(1) + policy + '"', html
    )
    assert n == 1
    return changed


def read_a_digit(page, url) -> tuple[list, list, str]:
    """Load, draw a held-out 3 (with the steps shown, where the page has them), and
    return (violations, CSP console messages, reading)."""
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH)
    page.goto(url)
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=helpers.READY_MS)
    value = ""
    if page.get_attribute("body", "data-state") == "ready":
        if page.is_visible("#teach"):
            page.click("#teach")
        sample = helpers.pinned_sample(10)[3]
        value = helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))["value"]
    page.wait_for_timeout(500)  # violations are reported asynchronously
    return page.evaluate("window.cspViolations"), messages, value


def test_the_policy_allows_only_the_site_itself():
    policy = page_policy((helpers.DIST / "index.html").read_text())
    assert policy.get("default-src") in (["'self'"], ["'none'"])
    assert "'self'" in policy["script-src"]
    assert set(policy["script-src"]) <= SCRIPT_SOURCES
    for directive, sources in policy.items():
        if directive == "script-src":
            continue
        extra = set(sources) - OTHER_SOURCES - TOLERATED.get(directive, set())
        assert not extra, f"{directive} allows {extra}"
    assert policy["object-src"] == ["'none'"]
    assert policy.get("base-uri") in (["'self'"], ["'none'"])
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources and "*" not in sources


def test_a_reading_breaks_no_rule(context, site):
    violations, messages, value = read_a_digit(context.new_page(), site)
    assert violations == [] and messages == []
    assert value == "3"


@pytest.mark.parametrize("page_url", ["index.html", "index.html?embed&mode=digit"])
def test_the_strictest_policy_is_enough(new_context, tmp_path, page_url):
    html = (helpers.DIST / "index.html").read_text()
    site_dir = helpers.copy_site(tmp_path / "site", replace={"index.html": with_policy(html, STRICTEST).encode()})
    with helpers.serving(site_dir) as site:
        violations, messages, value = read_a_digit(new_context(site).new_page(), site + page_url)
    assert violations == [] and messages == []
    assert value == "3"
