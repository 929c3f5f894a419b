/**
 * PNG chunk plumbing for the `parameters` text: CRC-32, building a `tEXt` (Latin-1) or `iTXt`
 * (UTF-8) chunk, placing it right after IHDR, and finding an uncompressed `iTXt` by keyword.
 *
 * @module
 */

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A text chunk holding `keyword` = `text`: `tEXt` when the text is Latin-1 (as PNG requires for
 * it), otherwise an uncompressed `iTXt` with UTF-8 text, which is what Pillow (and so
 * AUTOMATIC1111) writes for such prompts.
 */
export function textChunk(keyword: string, text: string): Uint8Array {
  const key = latin1Bytes(keyword);
  if (isLatin1(text)) return chunk("tEXt", [key, [0], latin1Bytes(text)]);
  // keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translation NUL.
  return chunk("iTXt", [key, [0, 0, 0, 0, 0], new TextEncoder().encode(text)]);
}

/** Inserts a complete chunk right after IHDR, where readers that stop at IDAT still see it. */
export function insertAfterHeader(png: Uint8Array, extra: Uint8Array): Uint8Array {
  const end = 8 + 12 + 13; // signature, then IHDR: length, type, 13 data bytes, CRC
  if (typeOf(png, 8) !== "IHDR") throw new TypeError("Cannot insert a chunk as IHDR is missing");
  const out = new Uint8Array(png.length + extra.length);
  out.set(png.subarray(0, end));
  out.set(extra, end);
  out.set(png.subarray(end), end + extra.length);
  return out;
}

/** The text of the first uncompressed `iTXt` chunk named `keyword`, or `null`. */
export function findInternationalText(png: Uint8Array, keyword: string): string | null {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.length;) {
    const length = view.getUint32(at);
    const type = typeOf(png, at);
    const data = png.subarray(at + 8, Math.min(at + 8 + length, png.length));
    if (type === "IEND") break;
    if (type === "iTXt") {
      const keyEnd = data.indexOf(0);
      const compressed = data[keyEnd + 1] !== 0;
      if (keyEnd > 0 && !compressed && latin1(data.subarray(0, keyEnd)) === keyword) {
        const languageEnd = data.indexOf(0, keyEnd + 3);
        const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
        if (translatedEnd < 0) return null;
        return new TextDecoder().decode(data.subarray(translatedEnd + 1));
      }
    }
    at += 12 + length;
  }
  return null;
}

function chunk(type: string, parts: ArrayLike<number>[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(12 + length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length);
  out.set(latin1Bytes(type), 4);
  let at = 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  view.setUint32(8 + length, crc32(out.subarray(4, 8 + length)));
  return out;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function typeOf(png: Uint8Array, at: number): string {
  return latin1(png.subarray(at + 4, at + 8));
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}
