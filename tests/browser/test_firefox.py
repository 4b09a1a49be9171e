"""The smoke suite in Firefox ESR (tests/browser/smoke.py)."""

from typing import ClassVar

from tests.browser import engines
from tests.browser.smoke import SmokeSuite


class TestFirefox(SmokeSuite):
    Engine = engines.Firefox
    ASKS_ITSELF: ClassVar[dict[str, str]] = {
        "/static/icons/icon-192.png": "Firefox fetches the page's apple-touch-icon for its own "
        "site icons, apart from the page",
    }
