/**
 * The small character fixes of ftfy 6.3.1's `fix_text` (module `ftfy.fixes`), each a pure
 * string-to-string function.
 *
 * @module
 */

import { htmlUnescape, namedReferences } from "./_html_unescape.ts";

let entities: Map<string, string> | null = null;

/**
 * ftfy's entity table: every `&name;` of HTML5, plus the all-caps spelling of lower-case names
 * (`&EACUTE;` → `É`) where plain HTML would leave that spelling alone.
 */
function ftfyEntities(): ReadonlyMap<string, string> {
  if (entities !== null) return entities;
  const map = new Map<string, string>();
  for (const [name, value] of namedReferences()) {
    if (!name.endsWith(";")) continue;
    map.set(`&${name}`, value);
    const upper = `&${name.toUpperCase()}`;
    if (name === name.toLowerCase() && htmlUnescape(upper) === upper) {
      map.set(upper, value.toUpperCase());
    }
  }
  return entities = map;
}

const ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

/**
 * Decodes HTML references that end in `;` (ftfy's `unescape_html`), unlike Python's
 * `html.unescape` leaving `&copy2023` alone; a numeric reference that yields `;` stays as it is.
 */
export function unescapeHtml(text: string): string {
  return text.replace(ENTITY, (ref) => {
    const named = ftfyEntities().get(ref);
    if (named !== undefined) return named;
    if (!ref.startsWith("&#")) return ref;
    const decoded = htmlUnescape(ref);
    return decoded.includes(";") ? ref : decoded;
  });
}

// deno-lint-ignore no-control-regex
const TERMINAL_ESCAPE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu;

/** Drops ANSI terminal escapes such as colour codes (ftfy's `remove_terminal_escapes`). */
export function removeTerminalEscapes(text: string): string {
  return text.replace(TERMINAL_ESCAPE, "");
}

/** Replaces curly quotes with straight ones (ftfy's `uncurl_quotes`). */
export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

const LIGATURES: Readonly<Record<string, string>> = {
  "\u0132": "IJ",
  "\u0133": "ij",
  "\u0149": "\u02bcn",
  "\u01f1": "DZ",
  "\u01f2": "Dz",
  "\u01f3": "dz",
  "\u01c4": "D\u017d",
  "\u01c5": "D\u017e",
  "\u01c6": "d\u017e",
  "\u01c7": "LJ",
  "\u01c8": "Lj",
  "\u01c9": "lj",
  "\u01ca": "NJ",
  "\u01cb": "Nj",
  "\u01cc": "nj",
  "\ufb00": "ff",
  "\ufb01": "fi",
  "\ufb02": "fl",
  "\ufb03": "ffi",
  "\ufb04": "ffl",
  "\ufb05": "\u017ft",
  "\ufb06": "st",
};

/** Splits Latin ligatures and digraph letters such as `ﬁ` (ftfy's `fix_latin_ligatures`). */
export function fixLatinLigatures(text: string): string {
  return text.replace(/[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g, (c) => {
    return LIGATURES[c] ?? c;
  });
}

/**
 * Replaces fullwidth and halfwidth forms (U+FF01–U+FFEF) with their NFKC equivalents and the
 * ideographic space with a space (ftfy's `fix_character_width`).
 */
export function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => c === "\u3000" ? " " : c.normalize("NFKC"));
}

/** Turns CRLF, CR, U+2028, U+2029 and U+0085 into `\n` (ftfy's `fix_line_breaks`). */
export function fixLineBreaks(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029\u0085]/g, "\n");
}

/**
 * Replaces unpaired UTF-16 surrogates with U+FFFD (ftfy's `fix_surrogates`; paired ones already
 * form one character in a JavaScript string).
 */
export function fixSurrogates(text: string): string {
  return text.replace(/\p{Cs}/gu, "\ufffd");
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

/** Drops control characters that have no visible effect (ftfy's `remove_control_chars`). */
export function removeControlChars(text: string): string {
  return text.replace(CONTROL, "");
}
