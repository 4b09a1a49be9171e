"""theme=light|dark forces style.css's own palettes, which static/embed.css repeats."""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block))


def block_after(css: str, selector: str) -> str:
    start = css.index(selector)
    opening = css.index("{", start + len(selector) - 1)
    return css[opening + 1 : css.index("}", opening)]


def palettes():
    style = (STATIC / "style.css").read_text()
    light = variables(block_after(style, ":root {"))
    dark_media = style[style.index("@media (prefers-color-scheme: dark)") :]
    dark = variables(block_after(dark_media, ":root {"))
    return light, dark


def test_forced_themes_match_the_page_palettes():
    light, dark = palettes()
    embed = (STATIC / "embed.css").read_text()
    forced_light = variables(block_after(embed, ':root[data-theme="light"] {'))
    forced_dark = variables(block_after(embed, ':root[data-theme="dark"] {'))
    assert forced_dark == dark
    # The light palette is the page's own colours; its other variables (sizes, fonts)
    # need no forcing.
    assert forced_light == {name: light[name] for name in dark}
