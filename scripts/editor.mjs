// The steps view's code editor: CodeMirror 6 with Python, which scripts/vendor.mjs
// bundles into vendor/codemirror/editor.js. The page imports it when the steps view
// first opens (static/app.js), and Python does the rest: it only needs the text.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";

/**
 * An editor of `text` in `parent`, named `label` for screen readers. Like a textarea,
 * `parent.value` then gets and sets its text.
 *
 * It lives in `parent`'s shadow root: there CodeMirror adds its own styles as a
 * constructed style sheet, where in the document it would add a <style> element, which
 * the page's Content-Security-Policy forbids. The style sheet at `styles` colours it
 * (tokens get tok-* classes), for the light and the dark scheme alike.
 */
export function createEditor(parent, text, label, styles) {
  const root = parent.shadowRoot ?? parent.attachShadow({ mode: "open" });
  root.replaceChildren(Object.assign(document.createElement("link"), { rel: "stylesheet", href: styles }));
  const view = new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(classHighlighter),
        python(),
        // Tab indents; Escape then Tab leaves the editor, as CodeMirror documents.
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": label }),
        typingOverSelection,
      ],
    }),
  });
  Object.defineProperty(parent, "value", {
    get: () => view.state.doc.toString(),
    set: (value) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } }),
    configurable: true,
  });
  return view;
}

// Typing over a selection: left to the browser, Chromium merges the lines' elements and
// keeps their colours in style attributes, which the page's Content-Security-Policy
// refuses (CodeMirror then redraws the lines anyway). The editor replaces it itself.
const typingOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== "insertText" || view.state.selection.main.empty || view.composing) return false;
    view.dispatch(view.state.replaceSelection(event.data ?? ""), { scrollIntoView: true, userEvent: "input.type" });
    event.preventDefault();
    return true;
  },
});
