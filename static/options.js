// The page's URL options (index.html?embed&bars=0; see docs/embedding.md), read here
// only: the page styles itself from them before Python starts, and digitpad/embed.py
// takes this same object (window.digitpad.options).
//
// The first value of a repeated option counts; names are case-sensitive, values are
// not; an unknown or invalid value keeps the default. An `origin` that is not an
// http(s) origin turns messages off: a host that asked to be the only one heard and
// misspelt its origin gets a pad that talks to no one, not one that talks to everyone.

const YES = ["", "1", "true", "yes", "on"];
const NO = ["0", "false", "no", "off"];

/** {embed, bars, theme, mode, origin, messages} from a query string ("?embed&bars=0"). */
export function parseOptions(search) {
  const query = new URLSearchParams(search);
  const value = (name) => query.get(name)?.toLowerCase();
  const flag = (name, otherwise) => (YES.includes(value(name)) ? true : NO.includes(value(name)) ? false : otherwise);
  const oneOf = (name, choices) => (choices.includes(value(name)) ? value(name) : choices[0]); // the first is the default
  const origin = query.has("origin") ? normalizeOrigin(query.get("origin")) : "*";
  return Object.freeze({
    embed: flag("embed", false),
    bars: flag("bars", true),
    theme: oneOf("theme", ["auto", "light", "dark"]),
    mode: oneOf("mode", ["number", "digit"]),
    origin: origin ?? "*",
    messages: origin !== null,
  });
}

/** text as event.origin writes it ("https://course.example.org"), or null when it is
 * not an http(s) origin. "*" stays "*". */
function normalizeOrigin(text) {
  if (text === "*") return "*";
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = !url.username && !url.password && url.pathname === "/" && !url.search && !url.hash;
  return (url.protocol === "http:" || url.protocol === "https:") && bare ? url.origin : null;
}
