/**
 * Byte-level BPE as in openai/CLIP's `simple_tokenizer.py`: the byte ↔ printable-character table
 * (`bytes_to_unicode`) and the merge loop over one piece.
 *
 * @module
 */

/** The word-end marker CLIP appends to the last symbol of every piece. */
export const WORD_END = "</w>";

/**
 * The 256 characters that stand for bytes 0–255: printable Latin-1 bytes stand for themselves,
 * the other 68 take U+0100, U+0101, … in byte order. Index = byte.
 */
export function byteCharacters(): string[] {
  const table = new Array<string>(256);
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) ||
      byte >= 0xae;
    table[byte] = String.fromCharCode(printable ? byte : next++);
  }
  return table;
}

/** The key of a merge pair in the rank map (symbols never contain a space). */
export function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

/**
 * Merges `symbols` (returning a new list): while an adjacent pair has a rank, every non-overlapping occurrence
 * (left to right) of the lowest-ranked pair becomes one symbol.
 */
export function mergeSymbols(symbols: string[], ranks: ReadonlyMap<string, number>): string[] {
  let word = symbols;
  while (word.length > 1) {
    let best = Infinity;
    let first = "";
    let second = "";
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(pairKey(word[i]!, word[i + 1]!));
      if (rank !== undefined && rank < best) {
        best = rank;
        first = word[i]!;
        second = word[i + 1]!;
      }
    }
    if (best === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < word.length;) {
      if (i + 1 < word.length && word[i] === first && word[i + 1] === second) {
        merged.push(first + second);
        i += 2;
      } else {
        merged.push(word[i]!);
        i += 1;
      }
    }
    word = merged;
  }
  return word;
}
