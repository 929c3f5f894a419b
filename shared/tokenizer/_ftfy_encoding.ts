/**
 * ftfy 6.3.1's mojibake repair (`ftfy.fix_encoding` with default settings): when text looks bad,
 * re-encode it with the single-byte codec it was probably misread with and decode the bytes as
 * UTF-8, allowing for bytes A0 that became spaces and bytes lost to U+FFFD; failing that, repair
 * embedded UTF-8 runs one by one, then C1 control characters.
 *
 * @module
 */

import {
  CHARMAP_ENCODINGS,
  decodeUtf8Variants,
  encodeSingleByte,
  sloppyWindows1252,
  windows1252,
} from "./_codecs.ts";
import { hasUtf8Mojibake, isBad, UTF8_DETECTOR } from "./_ftfy_badness.ts";

/** UTF-8 sequences that would be whole if one of their spaces were the byte A0 again. */
const ALTERED_UTF8 = new RegExp(
  "[\\xc2\\xc3\\xc5\\xce\\xd0\\xd9] " +
    "|[\\xe2\\xe3] [\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf]" +
    "|[\\xe0-\\xe3][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf] " +
    "|\\xf0 [\\x80-\\xbf][\\x80-\\xbf]" +
    "|\\xf0[\\x80-\\xbf] [\\x80-\\xbf]" +
    "|\\xf0[\\x80-\\xbf][\\x80-\\xbf] ",
  "g",
);

/** "Ã " standing for the word "à" (but not for Portuguese "às", "àquele", …). */
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;

/** UTF-8 sequences with a byte lost to U+FFFD (byte 1A in the sloppy codecs) or to "?". */
const LOSSY_UTF8 = new RegExp(
  "[\\xc2-\\xdf]\\x1a" +
    "|[\\xc2-\\xc3]\\?" +
    "|\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]" +
    "|\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]" +
    "|[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]" +
    "|[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]" +
    "|[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]" +
    "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]" +
    "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]" +
    "|\\x1a",
  "g",
);

const C1_CONTROL = /[\x80-\x9f]/g;

/** The UTF-8 bytes of U+FFFD, as a byte string. */
const REPLACEMENT_BYTES = "\xef\xbf\xbd";

function restoreByteA0(bytes: string): string {
  return bytes.replace(A_GRAVE_WORD, "\xc3\xa0 ")
    .replace(ALTERED_UTF8, (run) => run.replaceAll(" ", "\xa0"));
}

/**
 * Reads C1 control characters as the Windows-1252 characters they stand for (ftfy's
 * `fix_c1_controls`); the five bytes Windows-1252 leaves undefined stay as they are.
 */
export function fixC1Controls(text: string): string {
  return text.replace(C1_CONTROL, (c) => sloppyWindows1252(c.charCodeAt(0)));
}

function decodeInconsistentUtf8(text: string): string {
  return text.replace(
    UTF8_DETECTOR,
    (run) => run.length < text.length && isBad(run) ? fixEncoding(run) : run,
  );
}

/** Latin-1 bytes decoded as strict Windows-1252, `null` where one is undefined there. */
function latin1AsWindows1252(text: string): string | null {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code < 0x80 || code > 0x9f) {
      out += char;
      continue;
    }
    const decoded = windows1252(code);
    if (decoded === null) return null;
    out += decoded;
  }
  return out;
}

function fixEncodingStep(text: string): string {
  // deno-lint-ignore no-control-regex
  if (text.length === 0 || /^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  const possible: string[] = [];
  for (const encoding of CHARMAP_ENCODINGS) {
    let bytes = encodeSingleByte(text, encoding);
    if (bytes === null) continue;
    possible.push(encoding);
    ALTERED_UTF8.lastIndex = 0;
    // MacRoman is left out: there an en dash and a space would look like a broken sequence.
    if (encoding !== "macroman" && ALTERED_UTF8.test(bytes)) bytes = restoreByteA0(bytes);
    ALTERED_UTF8.lastIndex = 0;
    if (encoding.startsWith("sloppy-")) bytes = bytes.replace(LOSSY_UTF8, REPLACEMENT_BYTES);
    const decoded = decodeUtf8Variants(bytes);
    if (decoded !== null) return decoded;
  }
  if (hasUtf8Mojibake(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  // ftfy 6.3.1 compares with "windows-1252", which is never in its list (only the sloppy codec
  // is), so Latin-1 text is always tried as Windows-1252; the same is done here.
  if (possible.includes("latin-1")) {
    const fixed = latin1AsWindows1252(text);
    if (fixed !== null && fixed !== text) return fixed;
  }
  C1_CONTROL.lastIndex = 0;
  if (C1_CONTROL.test(text)) return fixC1Controls(text);
  return text;
}

/**
 * Repairs mojibake in `text` until nothing changes (ftfy's `fix_encoding`).
 */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingStep(text);
    if (fixed === text) return fixed;
    text = fixed;
  }
}
