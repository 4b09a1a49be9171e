// Offline support. scripts/build.py fills in the version (a hash of every file it
// ships) and the list of those files.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `digitpad-${VERSION}`;
