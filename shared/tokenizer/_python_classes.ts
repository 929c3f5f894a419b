/**
 * Python's whitespace classes as JavaScript regex class bodies (JavaScript's `\s` adds U+FEFF and
 * lacks U+0085 and U+001C–U+001F, so it matches neither).
 *
 * @module
 */

/** `str.isspace()` characters: what `str.strip()` removes and `re`'s `\s` matches. */
export const PY_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
  "\\u202f\\u205f\\u3000";

/** The `regex` module's `\s` (Unicode White_Space): `str.isspace()` less U+001C–U+001F. */
export const REGEX_SPACE = "\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
  "\\u202f\\u205f\\u3000";
