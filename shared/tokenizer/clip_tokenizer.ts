/**
 * The CLIP BPE tokenizer of Stable Diffusion 1.x/2.x, built from the `tokenizer/vocab.json` and
 * `tokenizer/merges.txt` a model repository ships. It reproduces openai/CLIP's
 * `simple_tokenizer.py` (ftfy, HTML unescaping, lower case, byte-level BPE) and pads or truncates
 * to the text encoder's 77 positions.
 *
 * @module
 */

import { byteCharacters, mergeSymbols, pairKey, WORD_END } from "./_bpe.ts";
import { normalizeClipText, splitClipPieces } from "./_clip_text.ts";

/** The start-of-text token. */
export const BOS_TOKEN = "<|startoftext|>";
/** The end-of-text token, also the padding token of Stable Diffusion 1.x. */
export const EOS_TOKEN = "<|endoftext|>";

/** The tokenizer files of {@linkcode createClipTokenizer}. */
export interface ClipTokenizerOptions {
  /** The parsed `vocab.json`: token → id. */
  vocab: Readonly<Record<string, number>>;
  /** The text of `merges.txt`: an optional `#version` line, then one `a b` merge per line. */
  merges: string;
  /**
   * How many pieces (words) to remember the BPE ids of; the oldest is forgotten first, 0 turns
   * the memo off.
   *
   * @default {10000}
   */
  cacheSize?: number;
  /**
   * The default padding id of {@linkcode ClipTokenizer.inputIds} (the model's `pad_token`).
   *
   * @default {the `<|endoftext|>` id}
   */
  padTokenId?: number;
  /** Id of the start token (the model's `bos_token`). @default {the `<|startoftext|>` id} */
  bosTokenId?: number;
  /** Id of the end token (the model's `eos_token`). @default {the `<|endoftext|>` id} */
  eosTokenId?: number;
}

/** The padding and truncation of {@linkcode ClipTokenizer.inputIds}. */
export interface InputIdsOptions {
  /**
   * Length of the result, start and end tokens included; longer prompts are truncated.
   *
   * @default {77}
   */
  maxLength?: number;
  /**
   * Id written after the end token up to `maxLength`.
   *
   * @default {the tokenizer's `padTokenId`}
   */
  padTokenId?: number;
}

function checkId(name: string, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
    throw new RangeError(
      `Cannot create the CLIP tokenizer as '${name}' must be a non-negative int32: current value is ${id}`,
    );
  }
  return id;
}

function fail(message: string): never {
  throw new TypeError(`Cannot create the CLIP tokenizer as ${message}`);
}

function parseVocab(vocab: unknown): Map<string, number> {
  if (typeof vocab !== "object" || vocab === null || Array.isArray(vocab)) {
    fail(`'vocab' must be an object of token ids: current type is ${typeof vocab}`);
  }
  const map = new Map<string, number>();
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      fail(`'vocab' ids must be non-negative integers: "${token}" has ${String(id)}`);
    }
    map.set(token, id);
  }
  return map;
}

function parseMerges(merges: unknown, vocab: ReadonlyMap<string, number>): Map<string, number> {
  if (typeof merges !== "string") {
    fail(`'merges' must be the text of merges.txt: current type is ${typeof merges}`);
  }
  const ranks = new Map<string, number>();
  let rank = 0;
  const lines = merges.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === "" || (index === 0 && line.startsWith("#"))) continue;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      fail(`'merges' line ${index + 1} must hold two symbols: current line is "${line}"`);
    }
    const [first, second] = parts as [string, string];
    if (!vocab.has(first + second)) {
      fail(`'vocab' has no entry for "${first + second}" (merges line ${index + 1})`);
    }
    // Like the reference's dict, a repeated merge keeps its last rank.
    ranks.set(pairKey(first, second), rank++);
  }
  return ranks;
}

/**
 * A CLIP tokenizer; build one with {@linkcode createClipTokenizer}.
 */
export class ClipTokenizer {
  #vocab: Map<string, number>;
  #ranks: Map<string, number>;
  #tokens: Map<number, string>;
  #byteChars: string[];
  #byteOf: Map<string, number>;
  #cache = new Map<string, readonly number[]>();
  #cacheSize: number;
  #utf8 = new TextEncoder();

  /** Id of `<|startoftext|>`. */
  readonly bosTokenId: number;
  /** Id of the end token (`<|endoftext|>` unless the model says otherwise). */
  readonly eosTokenId: number;
  /** The default padding id (the model's `pad_token`; the end token unless it says otherwise). */
  readonly padTokenId: number;

  /** Prefer {@linkcode createClipTokenizer}, which documents the options. */
  constructor(options: ClipTokenizerOptions) {
    if (typeof options !== "object" || options === null) {
      fail(`the options must be an object: current type is ${typeof options}`);
    }
    const cacheSize = options.cacheSize ?? 10_000;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) {
      throw new RangeError(
        `Cannot create the CLIP tokenizer as 'cacheSize' must be a non-negative integer: current value is ${cacheSize}`,
      );
    }
    this.#cacheSize = cacheSize;
    this.#vocab = parseVocab(options.vocab);
    this.#byteChars = byteCharacters();
    this.#byteOf = new Map(this.#byteChars.map((char, byte) => [char, byte]));
    for (const char of this.#byteChars) {
      for (const symbol of [char, char + WORD_END]) {
        if (!this.#vocab.has(symbol)) fail(`'vocab' has no entry for the byte symbol "${symbol}"`);
      }
    }
    this.#ranks = parseMerges(options.merges, this.#vocab);
    const bos = this.#vocab.get(BOS_TOKEN);
    const eos = this.#vocab.get(EOS_TOKEN);
    if (bos === undefined) fail(`'vocab' has no entry for "${BOS_TOKEN}"`);
    if (eos === undefined) fail(`'vocab' has no entry for "${EOS_TOKEN}"`);
    this.bosTokenId = checkId("bosTokenId", options.bosTokenId ?? bos);
    this.eosTokenId = checkId("eosTokenId", options.eosTokenId ?? eos);
    this.padTokenId = checkId("padTokenId", options.padTokenId ?? this.eosTokenId);
    this.#tokens = new Map();
    for (const [token, id] of this.#vocab) this.#tokens.set(id, token);
  }

  /** Number of entries in the vocabulary. */
  get vocabSize(): number {
    return this.#vocab.size;
  }

  /**
   * The BPE ids of `text`, without start and end tokens, exactly as openai/CLIP's
   * `SimpleTokenizer.encode` gives them.
   *
   * @example Usage
   * ```ts ignore
   * tokenizer.encode("a photo of a cat"); // [320, 1125, 539, 320, 2368]
   * ```
   */
  encode(text: string): number[] {
    if (typeof text !== "string") {
      throw new TypeError(
        `Cannot encode the text as it must be a string: current type is ${typeof text}`,
      );
    }
    const ids: number[] = [];
    for (const piece of splitClipPieces(normalizeClipText(text))) {
      if (piece === BOS_TOKEN) ids.push(this.bosTokenId);
      else if (piece === EOS_TOKEN) ids.push(this.eosTokenId);
      else ids.push(...this.#pieceIds(piece));
    }
    return ids;
  }

  /**
   * The text encoder input for `text`: the start id, at most `maxLength - 2` BPE ids, the end id,
   * then `padTokenId` up to `maxLength`.
   *
   * @example Usage
   * ```ts ignore
   * tokenizer.inputIds("a photo of a cat"); // Int32Array(77) [49406, 320, …, 49407, 49407, …]
   * tokenizer.inputIds("a cat", { maxLength: 8, padTokenId: 0 }); // [49406, 320, 2368, 49407, 0, …]
   * ```
   */
  inputIds(text: string, options: InputIdsOptions = {}): Int32Array {
    const { maxLength = 77, padTokenId = this.padTokenId } = options;
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new RangeError(
        `Cannot build the input ids as 'maxLength' must be an integer >= 2: current value is ${maxLength}`,
      );
    }
    if (!Number.isInteger(padTokenId) || padTokenId < 0 || padTokenId > 0x7fffffff) {
      throw new RangeError(
        `Cannot build the input ids as 'padTokenId' must be a non-negative int32: current value is ${padTokenId}`,
      );
    }
    const ids = this.encode(text);
    const count = Math.min(ids.length, maxLength - 2);
    const out = new Int32Array(maxLength).fill(padTokenId);
    out[0] = this.bosTokenId;
    for (let i = 0; i < count; i++) out[i + 1] = ids[i]!;
    out[count + 1] = this.eosTokenId;
    return out;
  }

  /**
   * Text back from ids, as the reference's `decode`: every `</w>` becomes a space (so the text
   * ends with one), start and end tokens stay as text, invalid UTF-8 becomes U+FFFD.
   *
   * @example Usage
   * ```ts ignore
   * tokenizer.decode([320, 2368]); // "a cat "
   * ```
   */
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const token = this.#tokens.get(ids[i]!);
      if (token === undefined) {
        throw new RangeError(
          `Cannot decode the ids as ${ids[i]} is not in the vocabulary: at index ${i}`,
        );
      }
      for (const char of token) {
        const byte = this.#byteOf.get(char);
        if (byte === undefined) {
          throw new RangeError(
            `Cannot decode the ids as token "${token}" is not byte-level BPE: at index ${i}`,
          );
        }
        bytes.push(byte);
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes)).replaceAll(WORD_END, " ");
  }

  #pieceIds(piece: string): readonly number[] {
    const cached = this.#cache.get(piece);
    if (cached !== undefined) return cached;
    const symbols = Array.from(this.#utf8.encode(piece), (byte) => this.#byteChars[byte]!);
    symbols[symbols.length - 1] += WORD_END;
    const ids = mergeSymbols(symbols, this.#ranks).map((symbol) => {
      const id = this.#vocab.get(symbol);
      // Unreachable after the constructor's checks; kept so a bad vocabulary cannot give NaN ids.
      if (id === undefined) {
        throw new RangeError(`Cannot encode "${piece}" as "${symbol}" has no id`);
      }
      return id;
    });
    if (this.#cacheSize > 0) {
      if (this.#cache.size >= this.#cacheSize) {
        this.#cache.delete(this.#cache.keys().next().value!);
      }
      this.#cache.set(piece, ids);
    }
    return ids;
  }
}

/**
 * Builds a CLIP tokenizer from a model's tokenizer files. The vocabulary must hold the 512 byte
 * symbols, both special tokens and the result of every merge; a `TypeError` says which is missing.
 *
 * @example Usage
 * ```ts ignore
 * const tokenizer = createClipTokenizer({
 *   vocab: JSON.parse(await readText("tokenizer/vocab.json")),
 *   merges: await readText("tokenizer/merges.txt"),
 * });
 * tokenizer.inputIds("a photo of a cat"); // Int32Array(77) [49406, 320, 1125, 539, 320, 2368, 49407, …]
 * ```
 */
export function createClipTokenizer(options: ClipTokenizerOptions): ClipTokenizer {
  return new ClipTokenizer(options);
}
