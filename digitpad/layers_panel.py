"""The steps view's network part: every layer of the model for the digit in focus
(#layers), the arithmetic behind one value (#layer-detail), and which ink pushed the
network toward its answer (#saliency). It copies ``digitpad.layers`` and
``digitpad.saliency`` views onto the page, from one run of the network per digit.

Runs in the browser only, and only while the steps view is open.
"""

import js
from pyodide.ffi import create_proxy

from digitpad import layers, saliency
from digitpad.bridge import Inside, classifier
from digitpad.panel import paint


class LayersPanel:
    def __init__(self, app):
        document = js.document
        self.app = app
        self.list = document.getElementById("layers")
        self.saliency = document.getElementById("saliency")
        self.saliency_caption = document.getElementById("saliency-caption")
        self.detail = document.getElementById("layer-detail")
        self.inside = None  # the model opened up, once the view first shows a digit
        self.items = {}  # layer name -> (li, canvas or None, ten-values list or None)
        self.views = {}
        self.acts = None
        self.picked = None  # (layer, map, row, col) shown in the detail
        self.due = None  # the input and probabilities the saliency is still to be made for
        self.saliency_task = create_proxy(self.show_saliency)
        self.listeners = [create_proxy(self.pick), create_proxy(self.key)]
        self.list.addEventListener("click", self.listeners[0])
        self.list.addEventListener("keydown", self.listeners[1])

    def show(self, pixels, probabilities):
        """Run the network on a digit's 28x28 input and show every layer; returns the
        first convolution's maps for the steps' own figure, or None."""
        model = self.app.model
        if not model:  # null until the model loads
            return None
        if self.inside is None:
            self.inside = Inside(model)
            self.classify = classifier(model)
            self.build()
        self.acts = self.inside.activations(pixels)
        views = layers.views(self.acts, self.inside.weights)
        self.views = {view.name: view for view in views}
        for view in views:
            self.copy(view)
        if self.picked is not None:
            self.explain(*self.picked)
        # The saliency reads the digit a hundred times over: in a task of its own, after
        # the reading and the layers are on the page, and only for the latest digit.
        self.due = (list(pixels), list(probabilities))
        js.setTimeout(self.saliency_task, 0)
        return layers.first_maps(self.acts)

    def show_saliency(self):
        if self.due is None:
            return
        (pixels, probabilities), self.due = self.due, None
        shown = saliency.occlusion(pixels, self.classify, probabilities)
        paint(self.saliency, shown.picture)
        self.saliency.dataset.top = str(shown.top)
        self.saliency.dataset.runnerUp = str(shown.runner_up)
        self.saliency.dataset.marked = str(shown.marked)
        self.saliency_caption.textContent = shown.explanation

    def clear(self):
        self.acts = self.due = None
        self.detail.hidden = True
        self.picked = None

    def build(self):
        """One item per layer of model.json but the input, then the softmax."""
        document = js.document
        names = [layer.name for layer in self.inside.layers if layer.kind != "InputLayer"] + ["softmax"]
        for name in names:
            item = document.createElement("li")
            item.dataset.layer = name
            head = document.createElement("div")
            head.className = "layer-head"
            for cls in ("name", "kind", "size", "params"):
                span = document.createElement("span")
                span.className = cls
                head.append(span)
            explain = document.createElement("p")
            explain.className = "explain"
            item.append(head, explain)
            self.list.append(item)
            self.items[name] = item

    def copy(self, view):
        item = self.items[view.name]
        item.dataset.kind = view.kind
        item.dataset.shape = view.shape
        item.dataset.params = str(view.params)
        head = item.firstElementChild
        head.children[0].textContent = view.name
        head.children[1].textContent = view.kind
        head.children[2].textContent = view.shape.replace("x", " × ")
        head.children[3].textContent = f"{view.params:,} parameters" if view.params else "no parameters"
        item.children[1].textContent = view.explanation
        canvas = item.querySelector("canvas")
        if view.picture is not None:
            if not canvas:  # JavaScript null
                canvas = js.document.createElement("canvas")
                canvas.tabIndex = 0
                canvas.setAttribute("role", "img")
                item.append(canvas)
            canvas.setAttribute("aria-label", f"{view.name}: {view.shape.replace('x', ' by ')}; "
                                              "press Enter for the arithmetic of its strongest value")
            paint(canvas, view.picture)
            canvas.classList.toggle("units", view.grid.height == 1)
        if view.values:
            ten = item.querySelector("ol.ten") or self.ten_list(item)  # null: not made yet
            best = max(range(len(view.values)), key=view.values.__getitem__)
            for digit, (cell, value) in enumerate(zip(ten.children, view.values)):
                cell.dataset.value = f"{value:.6g}"
                cell.lastElementChild.textContent = (f"{value:.1%}" if view.name == "softmax" else f"{value:.2f}")
                cell.toggleAttribute("data-best", digit == best)

    def ten_list(self, item):
        document = js.document
        ten = document.createElement("ol")
        ten.className = "ten"
        for digit in range(10):
            cell = document.createElement("li")
            cell.dataset.digit = str(digit)
            label, value = document.createElement("span"), document.createElement("span")
            label.textContent = str(digit)
            cell.append(label, value)
            ten.append(cell)
        item.append(ten)
        return ten

    def pick(self, event):
        """A click on a layer's picture: the arithmetic of the value under the pointer."""
        canvas = event.target.closest("#layers canvas")
        if not canvas or self.acts is None:
            return
        name = canvas.parentElement.dataset.layer
        view = self.views.get(name)
        box = canvas.getBoundingClientRect()
        if view is None or box.width == 0:
            return
        x = int((event.clientX - box.left) / box.width * canvas.width)
        y = int((event.clientY - box.top) / box.height * canvas.height)
        place = view.grid.locate(x, y)
        if place is None:
            return
        self.explain(name, *place)

    def key(self, event):
        if event.key not in ("Enter", " "):
            return
        canvas = event.target.closest("#layers canvas")
        if not canvas or self.acts is None:
            return
        event.preventDefault()
        name = canvas.parentElement.dataset.layer
        self.explain(name, 0, *layers.strongest(self.acts, name, 0))

    def explain(self, name, map_, row, col):
        if name == "softmax":
            name, map_ = self.inside.layers[-1].name, map_ if map_ < 10 else 0
        try:
            shown = layers.arithmetic(self.acts, name, map_, row, col, self.inside.weights)
        except (KeyError, ValueError):
            shown = None
        self.picked = (name, map_, row, col)
        self.detail.hidden = shown is None
        if shown is None:
            return
        # Under the layer it explains, not below all of them.
        item = self.items.get(name)
        if item and self.detail.parentElement != item:
            item.append(self.detail)
        data = self.detail.dataset
        data.layer, data.map, data.row, data.col = name, str(map_), str(row), str(col)
        data.value, data.actual = f"{shown.value:.6g}", f"{shown.actual:.6g}"
        shape = self.views[name].shape if name in self.views else ""
        where = f"map {map_ + 1}, row {row + 1}, column {col + 1}" if shape.count("x") == 2 else f"unit {map_ + 1}"
        self.detail.querySelector(".detail-title").textContent = f"{name}, {where}"
        figure = self.detail.querySelector(".kernel-figure")
        figure.hidden = shown.kernel is None
        if shown.kernel is not None:
            paint(figure.querySelector("canvas"), shown.kernel)
        sums = self.detail.querySelector(".sums")
        document = js.document
        lines = []
        if shown.terms:
            line = document.createElement("li")
            line.className = "terms"
            line.textContent = " + ".join(f"{v:.2f}×{w:+.2f}" for v, w in shown.terms)
            lines.append(line)
        for text in shown.lines:
            line = document.createElement("li")
            line.textContent = text
            lines.append(line)
        check = document.createElement("li")
        check.className = "check"
        check.textContent = f"the network computed {shown.actual:.4f}"
        lines.append(check)
        sums.replaceChildren(*lines)
