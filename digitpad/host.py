"""The page this one is embedded in, if any: the messages the pad trades with it,
carried by static/app.js and checked by ``digitpad.embed``.

Runs in the browser only.
"""

import js
from pyodide.ffi import JsProxy, create_proxy, to_js

from digitpad import embed


class Host:
    """The page this one is embedded in, if any: it hears of each reading and may clear
    or undo (digitpad.embed checks every message; docs/embedding.md)."""

    def __init__(self, app, options):
        self.options = options
        self.pad = app.pad
        self.bridge = app.host
        self.listener = create_proxy(self.receive)  # kept: the bridge calls it on each message
        if self.bridge.embedded:
            self.bridge.listen(self.listener)

    def tell(self, message):
        if self.bridge.embedded and self.options.messages:
            plain = to_js(message, dict_converter=js.Object.fromEntries)
            self.bridge.tell(plain, self.options.origin)

    def receive(self, origin, data):
        if not embed.accepts(self.options, origin):
            return
        # Only a plain object can be a command; a Map would otherwise pass for a dict.
        if isinstance(data, JsProxy):
            if js.Object.prototype.toString.call(data) != "[object Object]":
                return
            data = data.to_py(depth=1)
        kind = embed.command(data)
        if kind == embed.CLEAR:
            self.pad.clear()
        elif kind == embed.UNDO:
            self.pad.undo()
