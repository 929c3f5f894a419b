/**
 * A copy of the public tiny model (`../shared/fixtures/models/tiny-sd-reference`) whose tokenizer
 * files say `pad_token: "!"`, as every SD 2.x export's do: the config as a plain string, the
 * special-tokens map as an `AddedToken` object. Its manifest is built by the registry and written
 * next to the files, so `loadModel` finds it. Test-only.
 */
import { buildManifest } from "../../../models/registry/mod.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";
import { fixturePath } from "../../_fixtures.ts";

const FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "text_encoder/model.onnx",
  "text_encoder/config.json",
  "unet/model.onnx",
  "unet/config.json",
  "vae_decoder/model.onnx",
  "vae_decoder/config.json",
];

/** Copies the ONNX layout of `tiny-sd-reference` into `dir` with the tokenizer files given. */
export async function copyReference(
  dir: string,
  tokenizer: { config: Record<string, unknown>; map: Record<string, unknown> | null },
): Promise<void> {
  const source = fixturePath("models/tiny-sd-reference");
  for (const path of FILES) {
    const slash = path.lastIndexOf("/");
    await Deno.mkdir(slash === -1 ? dir : `${dir}/${path.slice(0, slash)}`, { recursive: true });
    await Deno.copyFile(`${source}/${path}`, `${dir}/${path}`);
  }
  await Deno.writeTextFile(
    `${dir}/tokenizer/tokenizer_config.json`,
    JSON.stringify(tokenizer.config),
  );
  if (tokenizer.map !== null) {
    await Deno.writeTextFile(
      `${dir}/tokenizer/special_tokens_map.json`,
      JSON.stringify(tokenizer.map),
    );
  }
}

/** The SD 2.x tokenizer files: `!` padding, 77 ids. */
export const BANG_TOKENIZER = {
  config: {
    bos_token: { __type: "AddedToken", content: "<|startoftext|>", lstrip: false, rstrip: false },
    eos_token: { __type: "AddedToken", content: "<|endoftext|>", lstrip: false, rstrip: false },
    pad_token: "!",
    model_max_length: 77,
    tokenizer_class: "CLIPTokenizer",
  },
  map: {
    bos_token: { content: "<|startoftext|>", lstrip: false, normalized: true, rstrip: false },
    eos_token: { content: "<|endoftext|>", lstrip: false, normalized: true, rstrip: false },
    pad_token: {
      content: "!",
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
    },
    unk_token: "<|endoftext|>",
  },
};

/**
 * Writes the `!`-padded copy into `<cacheDir>/<id>/` with its `manifest.json`.
 */
export async function padBangModel(
  cacheDir: string,
  id = "tiny-bang",
): Promise<{ root: string; manifest: ModelManifest }> {
  const root = `${cacheDir}/${id}`;
  await copyReference(root, BANG_TOKENIZER);
  const manifest = await buildManifest(root, { id, license: "MIT" });
  manifest.defaults = { ...manifest.defaults, steps: 4, width: 64, height: 64 };
  await Deno.writeTextFile(`${root}/manifest.json`, JSON.stringify(manifest, null, 2));
  return { root, manifest };
}

/**
 * The golden `input_ids_77` of `../shared/fixtures/clip/tokenizer_golden.json` (padded there with
 * `<|endoftext|>`) padded with `padId` instead: every id after the first end token.
 */
export function repad(goldenIds: readonly number[], padId: number): Int32Array {
  const end = goldenIds.indexOf(49407);
  return Int32Array.from(goldenIds, (id, i) => (i > end ? padId : id));
}
