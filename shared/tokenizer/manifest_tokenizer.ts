/**
 * The CLIP tokenizer a model manifest describes: its `vocab.json` and `merges.txt` bytes plus the
 * padding, start and end ids recorded from the model's own tokenizer files. Every host (pipeline,
 * edge encoder, render worker) builds its tokenizer here, so all pad prompts the same way.
 *
 * @module
 */

import type { TokenizerManifest } from "../manifest.ts";
import { type ClipTokenizer, createClipTokenizer } from "./clip_tokenizer.ts";

/** The raw tokenizer files of {@linkcode createManifestTokenizer}. */
export interface TokenizerFiles {
  /** Bytes of `tokenizer/vocab.json`. */
  vocab: Uint8Array;
  /** Bytes of `tokenizer/merges.txt`. */
  merges: Uint8Array;
}

/**
 * Builds the tokenizer of a manifest from its files' bytes; ids the manifest lacks fall back to
 * the CLIP defaults (`<|startoftext|>`, `<|endoftext|>`, padding with `<|endoftext|>`).
 *
 * @example An SD 2.x tokenizer pads with `!` (id 0)
 * ```ts ignore
 * const tokenizer = createManifestTokenizer(manifest.tokenizer, { vocab, merges });
 * tokenizer.inputIds("a cat"); // [49406, 320, 2368, 49407, 0, 0, …]
 * ```
 */
export function createManifestTokenizer(
  settings: TokenizerManifest,
  files: TokenizerFiles,
): ClipTokenizer {
  const text = new TextDecoder();
  return createClipTokenizer({
    vocab: JSON.parse(text.decode(files.vocab)),
    merges: text.decode(files.merges),
    ...(settings.padTokenId === undefined ? {} : { padTokenId: settings.padTokenId }),
    ...(settings.bosTokenId === undefined ? {} : { bosTokenId: settings.bosTokenId }),
    ...(settings.eosTokenId === undefined ? {} : { eosTokenId: settings.eosTokenId }),
  });
}
