/**
 * Python's `html.unescape`, which the CLIP reference applies twice to every prompt. It follows the
 * HTML5 rules for character references: named references from the WHATWG list (legacy ones such
 * as `&copy` also without `;`, and as the longest prefix of a longer run: `&copy2023` → `©2023`),
 * decimal and hex references, and the replacements HTML5 makes for invalid code points.
 *
 * @module
 */

import { CODEPAGES } from "./_ftfy_data.ts";
import { ENTITY_DATA, LEGACY_NAMES } from "./_html_entities.ts";

/** Same alternatives as Python's `html._charref`, on code points. */
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

let table: Map<string, string> | null = null;

/**
 * The named references, keyed as Python's `html.entities.html5` is: `name;` for every reference,
 * and `name` for the legacy ones. Built on first use.
 */
export function namedReferences(): ReadonlyMap<string, string> {
  if (table !== null) return table;
  const map = new Map<string, string>();
  for (const entry of ENTITY_DATA.split(" ")) {
    const [name = "", hex = ""] = entry.split("=");
    const value = String.fromCodePoint(...hex.split("+").map((h) => parseInt(h, 16)));
    map.set(`${name};`, value);
  }
  for (const name of LEGACY_NAMES.split(" ")) {
    const value = map.get(`${name};`);
    if (value !== undefined) map.set(name, value);
  }
  return table = map;
}

/** Whether HTML5 turns a numeric reference to `cp` into nothing. */
function isDroppedCodePoint(cp: number): boolean {
  return (cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

function numericReference(body: string): string {
  const hex = body[1] === "x" || body[1] === "X";
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, "");
  const cp = parseInt(digits, hex ? 16 : 10);
  if (cp === 0) return "\ufffd";
  if (cp === 0xd) return "\r";
  if (cp >= 0x80 && cp <= 0x9f) return CODEPAGES["sloppy-windows-1252"]!.charAt(cp - 0x80);
  if ((cp >= 0xd800 && cp <= 0xdfff) || !(cp <= 0x10ffff)) return "\ufffd";
  if (isDroppedCodePoint(cp)) return "";
  return String.fromCodePoint(cp);
}

function namedReference(body: string): string {
  const refs = namedReferences();
  const whole = refs.get(body);
  if (whole !== undefined) return whole;
  // The longest known prefix wins (only legacy names can match); prefixes stop at two characters.
  for (let end = body.length - 1; end > 1; end--) {
    const value = refs.get(body.slice(0, end));
    if (value !== undefined) return value + body.slice(end);
  }
  return `&${body}`;
}

/**
 * Decodes the HTML character references in `text` exactly as Python's `html.unescape` does.
 *
 * @example Usage
 * ```ts
 * import { htmlUnescape } from "./_html_unescape.ts";
 * htmlUnescape("salt &amp; pepper &copy2023 &#x27;"); // "salt & pepper ©2023 '"
 * ```
 */
export function htmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    CHARREF,
    (_match, body: string) => body[0] === "#" ? numericReference(body) : namedReference(body),
  );
}
