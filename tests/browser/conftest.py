"""Fixtures for the browser tests: the built site, served once; one Chromium; browser
contexts that fail the test if the page asks any host but the site's own."""

import pytest

from tests.browser import helpers


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site():
    if not (helpers.DIST / "index.html").is_file():
        pytest.fail("dist/ is not built: run `make build` first")
    with helpers.serving(helpers.DIST) as url:
        yield url


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run: its sync API cannot be started twice at once."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    browser = helpers.launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser):
    """new_context(site, **options): a browser context, closed after the test and checked
    for requests to any host but the site's."""
    opened = []

    def make(site, **options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        opened.append((context, helpers.RequestLog(context), site))
        return context

    yield make
    for context, log, site in opened:
        context.close()
        assert log.foreign(site) == [], f"the page asked another host than {site}"


@pytest.fixture
def context(new_context, site):
    return new_context(site)


@pytest.fixture(scope="module")
def app(browser, site):
    """One loaded page for a whole test module; tests clear the pad before they draw."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    log = helpers.RequestLog(context)
    page = helpers.open_app(context.new_page(), site)
    yield page
    context.close()
    assert log.foreign(site) == [], f"the page asked another host than {site}"


@pytest.fixture
def pad(app):
    """The shared page with an empty pad."""
    if app.evaluate("digitpad.pad.strokeCount"):
        helpers.clear(app)
    return app
