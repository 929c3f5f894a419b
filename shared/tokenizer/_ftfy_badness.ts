/**
 * ftfy 6.3.1's mojibake heuristic (`ftfy.badness.is_bad`) and its detector of embedded UTF-8
 * mojibake (`UTF8_DETECTOR_RE`), rebuilt as JavaScript regexes from the character classes in
 * `_ftfy_data.ts`. Python's `\s` and `\w` are spelled out because JavaScript's differ.
 *
 * @module
 */

import { MOJIBAKE as M, UTF8_CLUES as U } from "./_ftfy_data.ts";
import { PY_SPACE } from "./_python_classes.ts";

const any = (...bodies: string[]) => `[${bodies.join("")}]`;

/** Characters that mostly show up as the second half of two-character mojibake. */
const AFTER_BAD = [
  M.lowerAccented,
  M.upperAccented,
  M.box,
  M.startPunctuation,
  M.endPunctuation,
  M.currency,
  M.numeric,
  M.law,
];

/** Symbols that, after an Ø or Ù, make Windows-1252 mojibake of Arabic likely. */
const ARABIC_SYMBOL = any(
  M.common,
  M.currency,
  M.bad,
  M.numeric,
  M.startPunctuation,
  "\\u0178\\u0160\\u00ae\\u00b0\\u00b5\\u00bb",
);

/** Sequences that are far likelier to be mojibake than intended text; one is enough. */
const SUSPICIOUS: readonly string[] = [
  any(M.c1),
  any(M.bad, ...AFTER_BAD) + any(M.bad),
  "[a-zA-Z]" + any(M.lowerCommon, M.upperCommon) + any(M.bad),
  any(M.bad) + any(...AFTER_BAD),
  any(M.lowerAccented, M.lowerCommon, M.box, M.endPunctuation, M.currency, M.numeric) +
  any(M.upperAccented),
  any(M.box, M.endPunctuation, M.currency, M.numeric) + any(M.lowerAccented),
  any(M.lowerAccented, M.box, M.endPunctuation) + any(M.currency),
  any(PY_SPACE) + any(M.upperAccented) + any(M.currency),
  any(M.upperAccented, M.box) + any(M.numeric, M.law),
  any(M.lowerAccented, M.upperAccented, M.box, M.currency, M.endPunctuation) +
  any(M.startPunctuation) + any(M.numeric),
  any(M.lowerAccented, M.upperAccented, M.currency, M.numeric, M.box, M.law) +
  any(M.endPunctuation) + any(M.startPunctuation),
  any(M.currency, M.numeric, M.box) + any(M.startPunctuation),
  "[a-z]" + any(M.upperAccented) + any(M.startPunctuation, M.currency),
  any(M.box) + any(M.kaomoji),
  any(...AFTER_BAD.filter((body) => body !== M.box)) + any(M.box),
  any(M.box) + any(M.endPunctuation),
  any(M.lowerAccented, M.upperAccented) + any(M.startPunctuation, M.endPunctuation) +
  "[\\p{L}\\p{N}_]",
  // the ligature œ when no unaccented Latin letter follows
  "[\\u0152\\u0153][^A-Za-z]",
  any(M.upperAccented) + "\\u00b0",
  // common two-character Windows-1252 mojibake not covered above
  "[\\u00c2\\u00c3\\u00ce\\u00d0]" +
  any(
    "\\u20ac\\u0153\\u0160\\u0161\\u00a2\\u00a3\\u0178\\u017e\\u00a0\\u00ad\\u00ae\\u00a9\\u00b0",
    "\\u00b7\\u00bb",
    M.startPunctuation,
    M.endPunctuation,
    "\\u2013\\u2014\\u00b4",
  ),
  "\\u00d7[\\u00b2\\u00b3]",
  `[\\u00d8\\u00d9]${ARABIC_SYMBOL}[\\u00d8\\u00d9]${ARABIC_SYMBOL}`,
  // Windows-1252 starts of three-byte sequences of South Asian scripts
  "\\u00e0[\\u00b2\\u00b5\\u00b9\\u00bc\\u00bd\\u00be]",
  // MacRoman
  "\\u221a[\\u00b1\\u2202\\u2020\\u2260\\u00ae\\u2122\\u00b4\\u2264\\u2265\\u00a5\\u00b5\\u00f8]",
  "\\u2248[\\u00b0\\u00a2]",
  "\\u201a\\u00c4[\\u00ec\\u00ee\\u00ef\\u00f2\\u00f4\\u00fa\\u00f9\\u00fb\\u2020\\u00b0\\u00a2\\u03c0]",
  "\\u201a[\\u00e2\\u00f3][\\u00e0\\u00e4\\u00b0\\u00ea]",
  // Windows-1251
  "\\u0432\\u0402",
  "[\\u0412\\u0413\\u0420\\u0421]" +
  any(M.c1, M.bad, M.startPunctuation, M.endPunctuation, M.currency, "\\u00b0\\u00b5") +
  "[\\u0412\\u0413\\u0420\\u0421]",
  // Python's `.` is anything but a line feed
  "\\u0413\\u045e\\u0412\\u0402\\u0412[^\\n][A-Za-z ]",
  // Windows-1252 of à, á and U+00A0 itself
  "\\u00c3[\\u00a0\\u00a1]",
  `[a-z][${PY_SPACE}]?[\\u00c3\\u00c2] `,
  "^[\\u00c3\\u00c2] ",
  `[a-z.,?!${M.endPunctuation}]\\u00c2[ ${M.startPunctuation}${M.endPunctuation}]`,
  // Windows-1253
  "\\u03b2\\u20ac[\\u2122\\u00a0\\u0386\\u00ad\\u00ae\\u00b0]",
  "[\\u0392\\u0393\\u039e\\u039f]" +
  any(M.c1, M.bad, M.startPunctuation, M.endPunctuation, M.currency, "\\u00b0") +
  "[\\u0392\\u0393\\u039e\\u039f]",
  // Windows-1257
  "\\u0101\\u20ac",
];

const BADNESS = new RegExp(SUSPICIOUS.join("|"), "u");

/**
 * Whether `text` looks like it holds mojibake (ftfy's `is_bad`).
 */
export function isBad(text: string): boolean {
  return BADNESS.test(text);
}

/**
 * Runs of what look like UTF-8 sequences read as a single-byte codec, not right after another
 * continuation-like character (ftfy's `UTF8_DETECTOR_RE`). Global: use with `replace`.
 */
export const UTF8_DETECTOR: RegExp = new RegExp(
  `(?<![${U.continuationStrict}])(?:[${U.firstOf2}][${U.continuation}]` +
    `|[${U.firstOf3}][${U.continuation}]{2}|[${U.firstOf4}][${U.continuation}]{3})+`,
  "gu",
);

/** Whether {@linkcode UTF8_DETECTOR} finds anything in `text`. */
export function hasUtf8Mojibake(text: string): boolean {
  UTF8_DETECTOR.lastIndex = 0;
  const found = UTF8_DETECTOR.test(text);
  UTF8_DETECTOR.lastIndex = 0;
  return found;
}
