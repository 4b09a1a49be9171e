// A course page that checks a handwritten answer with an embedded digitpad.
//
// The pad runs on its own origin (its address comes from ?pad=..., a deployed copy
// otherwise), so everything goes through postMessage: the pad sends a
// "digitpad:prediction" after each stroke, clear or undo, and obeys "digitpad:clear".
// Messages are trusted only when they come from that frame and that origin.

const EXPECTED = "7"; // 3 + 4
const DEFAULT_PAD = "http://127.0.0.1:8000/index.html?embed&mode=number";

const frame = document.getElementById("answer-pad");
const answer = document.getElementById("answer");
const verdict = document.getElementById("verdict");

const padUrl = new URL(new URLSearchParams(location.search).get("pad") || DEFAULT_PAD, location.href);
const padOrigin = padUrl.origin;
// Tell the pad who its host is: it then hears only this page and tells only this page.
if (!padUrl.searchParams.has("origin")) padUrl.searchParams.set("origin", location.origin);
frame.src = padUrl.href;

addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || event.origin !== padOrigin) return;
  const message = event.data;
  if (message?.type === "digitpad:prediction") show(message);
});

function show({ value, confident, digits }) {
  answer.dataset.value = value;
  if (!value) {
    answer.textContent = "nothing yet";
    say("", "");
  } else if (!confident) {
    // "4 or 9?": ask for a clearer answer rather than marking it wrong.
    answer.textContent = digits.map((d) => d.label).join(" ");
    say("unsure", "I can't quite read that. Try writing it more clearly.");
  } else {
    answer.textContent = value;
    if (value === EXPECTED) say("correct", "Correct! 3 + 4 = 7.");
    else say("incorrect", `Not quite: ${value} is not 3 + 4. Try again.`);
  }
}

function say(kind, text) {
  verdict.dataset.verdict = kind;
  verdict.textContent = text;
}

document.getElementById("clear").addEventListener("click", () => {
  frame.contentWindow.postMessage({ type: "digitpad:clear" }, padOrigin);
});
