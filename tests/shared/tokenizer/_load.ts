/**
 * Test helpers for the CLIP tokenizer: the project's shipped tokenizer files, and the reference
 * cases of `reference_cases.json` (made by `make_reference_cases.py` from openai/CLIP's
 * `simple_tokenizer.py` with ftfy 6.3.1).
 */

import {
  type ClipTokenizer,
  type ClipTokenizerOptions,
  createClipTokenizer,
} from "../../../shared/tokenizer/mod.ts";

const SHIPPED = new URL("../../../models/tokenizers/clip/", import.meta.url);

/** The shipped `vocab.json` (parsed) and `merges.txt` (text). */
export async function shippedFiles(): Promise<{ vocab: Record<string, number>; merges: string }> {
  const [vocab, merges] = await Promise.all([
    Deno.readTextFile(new URL("vocab.json", SHIPPED)),
    Deno.readTextFile(new URL("merges.txt", SHIPPED)),
  ]);
  return { vocab: JSON.parse(vocab), merges };
}

/** Path of a shipped tokenizer file. */
export function shippedPath(name: string): URL {
  return new URL(name, SHIPPED);
}

/** A tokenizer over the shipped files. */
export async function shippedTokenizer(
  options: Omit<ClipTokenizerOptions, "vocab" | "merges"> = {},
): Promise<ClipTokenizer> {
  return createClipTokenizer({ ...await shippedFiles(), ...options });
}

/** One prompt run through the reference tokenizer. */
export interface ReferenceCase {
  text: string;
  ids: number[];
  /** `ftfy.fix_text(text)`. */
  fixed: string;
  /** The reference `decode(ids)`. */
  decoded: string;
}

/** The reference cases, plus Python `html.unescape` results. */
export interface ReferenceCases {
  source: string;
  cases: ReferenceCase[];
  unescape: { text: string; unescaped: string }[];
}

/** Reads `reference_cases.json`. */
export async function readReferenceCases(): Promise<ReferenceCases> {
  const url = new URL("reference_cases.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url));
}

/** One case of the shared `clip/tokenizer_golden.json`. */
export interface GoldenCase {
  text: string;
  ids: number[];
  input_ids_77: number[];
  truncated: boolean;
  ftfy_changes: boolean;
}

/** The shared golden file. */
export interface Golden {
  bos: number;
  eos: number;
  pad: number;
  max_length: number;
  cases: GoldenCase[];
}
