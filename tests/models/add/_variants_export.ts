/**
 * An ONNX export shipping float16 networks beside its float32 ones, the way public exports do:
 * the public tiny model's ONNX layout plus `unet_fp16/model.onnx` and
 * `vae_decoder/model_fp16.onnx` (the reference checkpoint converted with float16 weights and
 * compute). Test-only.
 */
import { convertDiffusers } from "../../../models/convert/mod.ts";
import { fixturePath } from "../../_fixtures.ts";
import { copyReference } from "../registry/_pad_bang_model.ts";

/** The public tiny model's tokenizer files (padding with `<|endoftext|>`). */
export const PUBLIC_TOKENIZER = {
  config: { pad_token: "<|endoftext|>", model_max_length: 77 },
  map: { pad_token: "<|endoftext|>" },
};

/** Writes the two-variant export into `dir` (`dir` must not exist). */
export async function writeVariantsExport(dir: string): Promise<void> {
  const half = `${dir}.fp16-build`;
  try {
    await convertDiffusers(fixturePath("models/tiny-sd-reference/diffusers"), half, {
      weightDType: "float16",
      computeDType: "float16",
    });
    await copyReference(dir, PUBLIC_TOKENIZER);
    await Deno.mkdir(`${dir}/unet_fp16`);
    await Deno.copyFile(`${half}/unet/model.onnx`, `${dir}/unet_fp16/model.onnx`);
    await Deno.copyFile(`${half}/vae_decoder/model.onnx`, `${dir}/vae_decoder/model_fp16.onnx`);
  } finally {
    await Deno.remove(half, { recursive: true }).catch(() => {});
  }
}
