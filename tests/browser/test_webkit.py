"""The smoke suite in WebKit, Safari's engine (tests/browser/smoke.py)."""

from typing import ClassVar

from tests.browser import engines
from tests.browser.smoke import SmokeSuite


class TestWebKit(SmokeSuite):
    Engine = engines.WebKit
    ASKS_ITSELF: ClassVar[dict[str, str]] = {
        "/static/icons/icon.svg": "the tab's icon is also the masthead's <img>, and WebKit "
        "loads a tab's icon apart from the page, sharing nothing with it",
    }
