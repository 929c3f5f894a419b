/**
 * The text side of the CLIP reference tokenizer (`SimpleTokenizer.encode` in openai/CLIP):
 * `ftfy.fix_text`, `html.unescape` twice, whitespace collapsing, Python `str.lower`, then the split
 * into pieces that byte-level BPE works on. Python's character classes are spelled out where
 * JavaScript's differ.
 *
 * @module
 */

import { fixText } from "./fix_text.ts";
import { htmlUnescape } from "./_html_unescape.ts";
import { PY_SPACE, REGEX_SPACE } from "./_python_classes.ts";

/** What Python's `str.strip()` removes at either end. */
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** Runs of the `regex` module's `\s`, which the reference collapses to one space. */
const WHITESPACE_RUN = new RegExp(`[${REGEX_SPACE}]+`, "g");

/**
 * The reference split pattern. It runs with `regex.IGNORECASE` on lower-cased text, where that
 * flag still matters twice: `ſ` (long s) case-folds to `s`, and U+0345 (which folds to a letter)
 * matches none of the classes, so it is dropped like whitespace.
 */
const PIECES = new RegExp(
  "<\\|[s\\u017f]tartoftext\\|>|<\\|endoftext\\|>|'[s\\u017f]|'t|'re|'ve|'m|'ll|'d" +
    `|\\p{L}+|\\p{N}|[^${REGEX_SPACE}\\p{L}\\p{N}\\u0345]+`,
  "gu",
);

/**
 * Normalises `text` as the reference does before splitting it: ftfy, two rounds of HTML
 * unescaping, strip, whitespace runs to one space, strip, lower case. JavaScript's
 * `toLowerCase` applies the same full Unicode mappings as Python's `str.lower` (`İ` → `i̇`, final
 * sigma); only characters newer than the Python build's Unicode version can differ.
 */
export function normalizeClipText(text: string): string {
  const cleaned = htmlUnescape(htmlUnescape(fixText(text))).replace(STRIP, "");
  return cleaned.replace(WHITESPACE_RUN, " ").replace(STRIP, "").toLowerCase();
}

/** Splits normalised text into the pieces the reference's `regex.findall` returns. */
export function splitClipPieces(normalized: string): string[] {
  return normalized.match(PIECES) ?? [];
}
