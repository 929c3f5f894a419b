/**
 * The CLIP BPE tokenizer of Stable Diffusion 1.x/2.x (openai/CLIP `simple_tokenizer.py`,
 * ftfy included), built from the `vocab.json` and `merges.txt` a model repository ships.
 *
 * @example Usage
 * ```ts ignore
 * import { createClipTokenizer } from "./mod.ts";
 * const tokenizer = createClipTokenizer({ vocab, merges });
 * const ids = tokenizer.inputIds("a photo of an astronaut riding a horse"); // Int32Array(77)
 * ```
 *
 * @module
 */

export {
  BOS_TOKEN,
  ClipTokenizer,
  type ClipTokenizerOptions,
  createClipTokenizer,
  EOS_TOKEN,
  type InputIdsOptions,
} from "./clip_tokenizer.ts";
export { createManifestTokenizer, type TokenizerFiles } from "./manifest_tokenizer.ts";
export { fixText } from "./fix_text.ts";
