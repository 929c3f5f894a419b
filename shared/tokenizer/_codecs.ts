/**
 * The byte codecs ftfy's mojibake repair needs, on "byte strings" (one UTF-16 unit per byte,
 * 0x00–0xFF) so the byte-level regexes of `_ftfy_encoding.ts` can run on them: the single-byte
 * encodings of `CHARMAP_ENCODINGS`, and ftfy's `utf-8-variants` decoder (UTF-8 that also accepts
 * CESU-8 surrogate pairs and Java's `C0 80` for U+0000).
 *
 * @module
 */

import { CODEPAGES } from "./_ftfy_data.ts";

/** The encodings ftfy tries, in its order. */
export const CHARMAP_ENCODINGS: readonly string[] = [
  "latin-1",
  "sloppy-windows-1252",
  "sloppy-windows-1251",
  "sloppy-windows-1250",
  "sloppy-windows-1253",
  "sloppy-windows-1254",
  "sloppy-windows-1257",
  "iso-8859-2",
  "macroman",
  "cp437",
];

const encoders = new Map<string, Map<number, number>>();

function encoderFor(encoding: string): Map<number, number> {
  let map = encoders.get(encoding);
  if (map !== undefined) return map;
  const high = CODEPAGES[encoding];
  if (high === undefined) throw new RangeError(`Cannot encode as '${encoding}' is unknown`);
  map = new Map();
  for (let byte = 0; byte < 0x80; byte++) map.set(byte, byte);
  // The sloppy codecs give byte 1A to U+FFFD, so that text with lost bytes can still be encoded.
  if (encoding.startsWith("sloppy-")) {
    map.delete(0x1a);
    map.set(0xfffd, 0x1a);
  }
  for (let i = 0; i < high.length; i++) map.set(high.charCodeAt(i), 0x80 + i);
  encoders.set(encoding, map);
  return map;
}

/**
 * Encodes `text` with a single-byte `encoding`, or returns `null` when one of its characters has
 * no byte there (ftfy's `possible_encoding` is then false).
 */
export function encodeSingleByte(text: string, encoding: string): string | null {
  let out = "";
  if (encoding === "latin-1") {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return null;
    return text;
  }
  const map = encoderFor(encoding);
  for (let i = 0; i < text.length; i++) {
    const byte = map.get(text.charCodeAt(i));
    if (byte === undefined) return null;
    out += String.fromCharCode(byte);
  }
  return out;
}

/** Decodes byte `byte` (0x80–0x9F) with Python's strict `windows-1252`, `null` where undefined. */
export function windows1252(byte: number): string | null {
  const char = CODEPAGES["sloppy-windows-1252"]!.charAt(byte - 0x80);
  return char.charCodeAt(0) === byte ? null : char;
}

/** Decodes byte `byte` (0x80–0xFF) with ftfy's `sloppy-windows-1252`. */
export function sloppyWindows1252(byte: number): string {
  return CODEPAGES["sloppy-windows-1252"]!.charAt(byte - 0x80);
}

function continuation(bytes: string, at: number, min = 0x80, max = 0xbf): number {
  const byte = at < bytes.length ? bytes.charCodeAt(at) : -1;
  return byte >= min && byte <= max ? byte & 0x3f : -1;
}

/** A CESU-8 surrogate pair at `at` (`ED A0-AF 80-BF ED B0-BF 80-BF`), as its code point. */
function cesuPair(bytes: string, at: number): number {
  const b1 = continuation(bytes, at + 1, 0xa0, 0xaf);
  const b2 = continuation(bytes, at + 2);
  const b4 = continuation(bytes, at + 4, 0xb0, 0xbf);
  const b5 = continuation(bytes, at + 5);
  if (b1 < 0 || b2 < 0 || b4 < 0 || b5 < 0 || bytes.charCodeAt(at + 3) !== 0xed) return -1;
  return 0x10000 + ((b1 & 0x0f) << 16) + (b2 << 10) + ((b4 & 0x0f) << 6) + b5;
}

/**
 * Decodes a byte string with ftfy's `utf-8-variants` codec under Python's strict rules (no
 * overlong forms, no lone surrogates, nothing past U+10FFFF); `null` where that raises.
 */
export function decodeUtf8Variants(bytes: string): string | null {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes.charCodeAt(i);
    if (b0 < 0x80) {
      out.push(b0);
      i += 1;
      continue;
    }
    if (b0 === 0xc0 && bytes.charCodeAt(i + 1) === 0x80) {
      out.push(0);
      i += 2;
      continue;
    }
    if (b0 === 0xed && continuation(bytes, i + 1, 0xa0, 0xbf) >= 0) {
      const cp = cesuPair(bytes, i);
      if (cp < 0) return null;
      out.push(cp);
      i += 6;
      continue;
    }
    let cp: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      const c1 = continuation(bytes, i + 1);
      if (c1 < 0) return null;
      cp = ((b0 & 0x1f) << 6) | c1;
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const c1 = continuation(bytes, i + 1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
      const c2 = continuation(bytes, i + 2);
      if (c1 < 0 || c2 < 0) return null;
      cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const c1 = continuation(bytes, i + 1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
      const c2 = continuation(bytes, i + 2);
      const c3 = continuation(bytes, i + 3);
      if (c1 < 0 || c2 < 0 || c3 < 0) return null;
      cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
      i += 4;
    } else {
      return null;
    }
    out.push(cp);
  }
  let text = "";
  for (let start = 0; start < out.length; start += 4096) {
    text += String.fromCodePoint(...out.slice(start, start + 4096));
  }
  return text;
}
