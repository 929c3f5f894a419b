/**
 * A port of `ftfy.fix_text` (ftfy 6.3.1, default settings), the first step of the CLIP reference
 * tokenizer: HTML entities, mojibake, C1 controls, Latin ligatures, character width, curly quotes,
 * line breaks, surrogates, terminal escapes, control characters, then NFC, repeated per line until
 * the line stops changing. ftfy: https://github.com/rspeer/python-ftfy (Apache License 2.0).
 *
 * @module
 */

import { fixC1Controls, fixEncoding } from "./_ftfy_encoding.ts";
import {
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  removeControlChars,
  removeTerminalEscapes,
  uncurlQuotes,
  unescapeHtml,
} from "./_ftfy_fixes.ts";

/** ftfy's `max_decode_length`: longer lines are fixed in pieces of this size. */
const MAX_SEGMENT = 1_000_000;

function fixSegment(segment: string, unescape: boolean): string {
  let text = segment;
  for (;;) {
    const before = text;
    if (unescape) text = unescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize("NFC");
    if (text === before) return text;
  }
}

/**
 * Fixes `text` the way `ftfy.fix_text(text)` does with its default settings. Each line (up to and
 * including its `\n`) is fixed on its own; HTML entities are decoded only until the first line
 * that contains `<`, as that text is probably HTML.
 *
 * @example Usage
 * ```ts
 * import { fixText } from "./fix_text.ts";
 * fixText("caf\u00c3\u00a9 &amp; \ufb01ne \u201cquotes\u201d"); // 'café & fine "quotes"'
 * ```
 */
export function fixText(text: string): string {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot fix the text as it must be a string: current type is ${typeof text}`,
    );
  }
  let out = "";
  let unescape = true;
  for (let pos = 0; pos < text.length;) {
    let end = text.indexOf("\n", pos) + 1;
    if (end === 0) end = text.length;
    if (end - pos > MAX_SEGMENT) end = pos + MAX_SEGMENT;
    const segment = text.slice(pos, end);
    if (unescape && segment.includes("<")) unescape = false;
    out += fixSegment(segment, unescape);
    pos = end;
  }
  return out;
}
