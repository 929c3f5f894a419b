/**
 * The tokenizer settings of a model folder, read from its own `tokenizer/tokenizer_config.json` and
 * `tokenizer/special_tokens_map.json` the way transformers' `from_pretrained` reads them: the
 * config first, then the special-tokens map over it; a token is a string or an `AddedToken`
 * object (`{ "content": "!", ... }`, with or without `"__type"`). Tokens resolve to ids through
 * `vocab.json` (or the config's `added_tokens_decoder`). Absent tokens keep the CLIP defaults:
 * `<|startoftext|>`, `<|endoftext|>`, and padding with the end token.
 *
 * @module
 */

import type { TokenizerManifest } from "../../shared/manifest.ts";
import { BOS_TOKEN, EOS_TOKEN } from "../../shared/tokenizer/mod.ts";
import { joinPath, readJsonIfExists } from "./_files.ts";

/** The settings {@linkcode readTokenizerSettings} gives (the manifest's minus the files). */
export type TokenizerSettings =
  & Required<Omit<TokenizerManifest, "vocab" | "merges" | "maxLength">>
  & {
    /** `model_max_length` when the config states a usable one (at most 4096). */
    maxLength?: number;
  };

const KEYS = { bosTokenId: "bos_token", eosTokenId: "eos_token", padTokenId: "pad_token" } as const;

function tokenText(value: unknown): string | null | undefined {
  if (typeof value === "string") return value;
  if (value === null) return null;
  if (typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  return undefined;
}

function addedTokenIds(config: Record<string, unknown> | null): Map<string, number> {
  const ids = new Map<string, number>();
  const decoder = config?.added_tokens_decoder;
  if (typeof decoder !== "object" || decoder === null) return ids;
  for (const [id, token] of Object.entries(decoder)) {
    const text = tokenText(token);
    if (typeof text === "string" && /^\d+$/.test(id)) ids.set(text, Number(id));
  }
  return ids;
}

/**
 * Reads the tokenizer settings of the model folder `root` (`tokenizer/` inside it).
 *
 * @throws {TypeError} when a special token the files name is in neither the vocabulary nor the
 * config's added tokens.
 *
 * @example An SD 2.x export
 * ```ts ignore
 * await readTokenizerSettings("/models/sd21-onnx");
 * // { maxLength: 77, bosTokenId: 49406, eosTokenId: 49407, padTokenId: 0 }
 * ```
 */
export async function readTokenizerSettings(root: string): Promise<TokenizerSettings> {
  const read = (name: string) => readJsonIfExists(joinPath(root, `tokenizer/${name}`));
  const config = await read("tokenizer_config.json");
  const map = await read("special_tokens_map.json");
  const vocab = (await read("vocab.json")) ?? {};
  const added = addedTokenIds(config);
  const tokens: Record<keyof typeof KEYS, string> = {
    bosTokenId: BOS_TOKEN,
    eosTokenId: EOS_TOKEN,
    padTokenId: "",
  };
  for (const [field, key] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
    for (const source of [config, map]) {
      const text = tokenText(source?.[key]);
      if (typeof text === "string") tokens[field] = text;
    }
  }
  if (tokens.padTokenId === "") tokens.padTokenId = tokens.eosTokenId;
  const ids = {} as Record<keyof typeof KEYS, number>;
  for (const field of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
    const token = tokens[field];
    const id = vocab[token] ?? added.get(token);
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new TypeError(
        `Cannot read the tokenizer of '${root}': its ${KEYS[field]} "${token}" is not in ` +
          `'tokenizer/vocab.json'`,
      );
    }
    ids[field] = id;
  }
  const maxLength = config?.model_max_length;
  return {
    ...ids,
    ...(typeof maxLength === "number" && Number.isInteger(maxLength) && maxLength >= 2 &&
        maxLength <= 4096
      ? { maxLength }
      : {}),
  };
}
