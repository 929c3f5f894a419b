/**
 * Writes a diffusers checkpoint folder for the conversion tests: the tiny reference model's
 * configs, tokenizer and scheduler, and safetensors files with the reference tensor names and
 * shapes filled with this test's own seeded values (written by the safetensors writer), so the
 * bytes that must come out of the conversion are known here.
 */

import { encodeSafetensors, type SafetensorsTensor } from "../../../models/weights/mod.ts";
import { fixturePath } from "../../_fixtures.ts";
import { referenceTensors } from "../registry/_onnx.ts";

/** Checkpoint files of a diffusers folder, by component. */
export const WEIGHT_FILES = {
  unet: "unet/diffusion_pytorch_model.safetensors",
  vae: "vae/diffusion_pytorch_model.safetensors",
  text_encoder: "text_encoder/model.safetensors",
} as const;

export type Component = keyof typeof WEIGHT_FILES;
export type Tensors = Record<string, SafetensorsTensor>;

const COPIED = [
  "model_index.json",
  "unet/config.json",
  "vae/config.json",
  "text_encoder/config.json",
  "scheduler/scheduler_config.json",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "tokenizer/tokenizer_config.json",
  "tokenizer/special_tokens_map.json",
];

function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

/** Seeded tensors with the reference checkpoint's names and shapes. */
export async function checkpointTensors(component: Component): Promise<Tensors> {
  const shapes = await referenceTensors(WEIGHT_FILES[component]);
  const tensors: Tensors = {};
  let seed = 7;
  for (const [name, shape] of shapes) {
    tensors[name] = { shape, data: values(shape.reduce((a, b) => a * b, 1), seed++) };
  }
  return tensors;
}

/**
 * Writes a complete diffusers folder to `dir`; `edit` may change a component's tensors first.
 * Returns the tensors written.
 */
export async function writeCheckpoint(
  dir: string,
  edit: (component: Component, tensors: Tensors) => void = () => {},
): Promise<Record<Component, Tensors>> {
  const reference = fixturePath("models/tiny-sd-reference/diffusers");
  for (const path of COPIED) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeFile(`${dir}/${path}`, await Deno.readFile(`${reference}/${path}`));
  }
  const written = {} as Record<Component, Tensors>;
  for (const component of Object.keys(WEIGHT_FILES) as Component[]) {
    const tensors = await checkpointTensors(component);
    edit(component, tensors);
    await Deno.writeFile(`${dir}/${WEIGHT_FILES[component]}`, encodeSafetensors(tensors));
    written[component] = tensors;
  }
  return written;
}
