/**
 * The few-step goldens of `../shared/fixtures/turbo/` (SD-Turbo style: guidance 0, Euler-ancestral
 * trailing) and `../shared/fixtures/lcm/` (LatentConsistencyModelPipeline): their cases, the model
 * folders they ran on (copies of the public tiny model with the case's scheduler config, and the
 * tiny LCM UNet), and one comparison against a case's tolerances. Test-only.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { buildManifest } from "../../../models/registry/mod.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";
import { fixturePath, readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";
import { type NpyArray, parseNpy } from "../../_npy.ts";
import { copyReference } from "../../models/registry/_pad_bang_model.ts";

/** Which golden set. */
export type FewStepSet = "turbo" | "lcm";

/** One end-to-end case of a set's `golden/index.json`. */
export interface FewStepCase {
  name: string;
  call: {
    prompt: string;
    height: number;
    width: number;
    num_inference_steps: number;
    guidance_scale: number;
  };
  scheduler: { class: string; config_passed: Record<string, unknown> };
  timesteps_used: number[];
  tolerance: {
    final_latents_max_abs?: number;
    final_denoised_max_abs?: number;
    decoded_sample_max_abs: number;
    image_uint8_max_abs: number;
    image_uint8_max_fraction_differing: number;
  };
}

/** The end-to-end cases of a set. */
export async function fewStepCases(set: FewStepSet): Promise<FewStepCase[]> {
  return (await readFixtureJson<{ cases: FewStepCase[] }>(`${set}/golden/index.json`)).cases;
}

/** The seed of a case (`torch.Generator('cpu').manual_seed(N)`). */
export async function caseSeed(set: FewStepSet, name: string): Promise<number> {
  const index = await readFixtureJson<{ cases: { name: string; call: { generator: string } }[] }>(
    `${set}/golden/index.json`,
  );
  const call = index.cases.find((c) => c.name === name)!.call;
  return Number(/manual_seed\((\d+)\)/.exec(call.generator)![1]);
}

/** A golden array of a set, e.g. `turbo_1step.final_latents`. */
export async function readSetGolden(set: FewStepSet, name: string): Promise<NpyArray> {
  return parseNpy(await readFixtureBytes(`${set}/golden/${name}.npy`));
}

const TINY_LCM = "lcm/tiny-lcm";

/**
 * Writes the model folder a set's cases ran on into `dir` (ONNX layout, no manifest): the public
 * tiny model with the set's scheduler config; for LCM with the tiny LCM UNet and its config.
 */
export async function writeFewStepModel(set: FewStepSet, dir: string): Promise<void> {
  await copyReference(dir, {
    config: { pad_token: "<|endoftext|>", model_max_length: 77 },
    map: { pad_token: "<|endoftext|>" },
  });
  const [first] = await fewStepCases(set);
  await Deno.writeTextFile(
    `${dir}/scheduler/scheduler_config.json`,
    JSON.stringify(first!.scheduler.config_passed, null, 2),
  );
  if (set === "lcm") {
    for (const path of ["unet/model.onnx", "unet/config.json"]) {
      await Deno.copyFile(fixturePath(`${TINY_LCM}/${path}`), `${dir}/${path}`);
    }
  }
}

const DIFFUSERS_FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "text_encoder/config.json",
  "text_encoder/model.safetensors",
  "tokenizer/merges.txt",
  "tokenizer/special_tokens_map.json",
  "tokenizer/tokenizer_config.json",
  "tokenizer/vocab.json",
  "unet/config.json",
  "unet/diffusion_pytorch_model.safetensors",
  "vae/config.json",
  "vae/diffusion_pytorch_model.safetensors",
];

/**
 * Writes the diffusers checkpoint a set's cases ran on into `dir`: `tiny-sd-reference/diffusers`
 * with the set's scheduler config; for LCM with the tiny LCM UNet's safetensors and config.
 */
export async function writeFewStepDiffusers(set: FewStepSet, dir: string): Promise<void> {
  for (const path of DIFFUSERS_FILES) {
    const from = set === "lcm" && path.startsWith("unet/")
      ? `${TINY_LCM}/diffusers/${path}`
      : `models/tiny-sd-reference/diffusers/${path}`;
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/") + 1)}`, { recursive: true });
    await Deno.copyFile(fixturePath(from), `${dir}/${path}`);
  }
  const [first] = await fewStepCases(set);
  await Deno.writeTextFile(
    `${dir}/scheduler/scheduler_config.json`,
    JSON.stringify(first!.scheduler.config_passed, null, 2),
  );
}

/** {@linkcode writeFewStepModel} plus the manifest the registry builds, written as manifest.json. */
export async function fewStepModel(
  set: FewStepSet,
  dir: string,
  id: string,
): Promise<ModelManifest> {
  await writeFewStepModel(set, dir);
  const manifest = await buildManifest(dir, { id, license: "MIT" });
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest, null, 2));
  return manifest;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** What a run produced; absent parts are not compared. */
export interface FewStepOutput {
  finalLatents?: Float32Array;
  decodedSample?: Float32Array;
  /** RGBA pixels, or PNG bytes. */
  image: Uint8ClampedArray | Uint8Array;
}

/**
 * Asserts `output` is within the case's `index.json` tolerances; returns a one-line summary.
 */
export async function assertMatchesCase(
  set: FewStepSet,
  golden: FewStepCase,
  output: FewStepOutput,
): Promise<string> {
  const t = golden.tolerance;
  const parts: string[] = [];
  if (output.finalLatents) {
    const key = set === "lcm" ? "final_denoised" : "final_latents";
    const expected = (await readSetGolden(set, `${golden.name}.${key}`)).data as Float32Array;
    const diff = maxAbs(output.finalLatents, expected);
    const limit = (set === "lcm" ? t.final_denoised_max_abs : t.final_latents_max_abs)!;
    assert.ok(diff <= limit, `${golden.name}: ${key} differs by ${diff} (> ${limit})`);
    parts.push(`${key} ${diff.toExponential(2)}`);
  }
  if (output.decodedSample) {
    const expected = (await readSetGolden(set, `${golden.name}.decoded_sample`)).data;
    const diff = maxAbs(output.decodedSample, expected as Float32Array);
    assert.ok(diff <= t.decoded_sample_max_abs, `${golden.name}: decoded differs by ${diff}`);
    parts.push(`decoded ${diff.toExponential(2)}`);
  }
  const rgba = output.image instanceof Uint8Array && output.image[0] === 0x89
    ? decode(output.image).data
    : output.image;
  const pixels = (await readSetGolden(set, `${golden.name}.image_uint8`)).data as Uint8Array;
  let differing = 0;
  let worst = 0;
  for (let p = 0; p < pixels.length / 3; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(rgba[p * 4 + c]! - pixels[p * 3 + c]!);
      if (d > 0) differing++;
      worst = Math.max(worst, d);
    }
  }
  assert.ok(worst <= t.image_uint8_max_abs, `${golden.name}: image off by up to ${worst}`);
  assert.ok(
    differing / pixels.length <= t.image_uint8_max_fraction_differing,
    `${golden.name}: ${differing} of ${pixels.length} image values differ`,
  );
  parts.push(`image ${differing} values off by <= ${worst}`);
  return `${golden.name}: ${parts.join(", ")}`;
}

/** {@linkcode assertMatchesCase} on a `generate()` result run with `returnSamples`; logs it. */
export async function assertResultMatchesCase(
  set: FewStepSet,
  golden: FewStepCase,
  result: { latents: Float32Array; images: { sample?: Float32Array; rgba: Uint8ClampedArray }[] },
): Promise<void> {
  const image = result.images[0]!;
  const summary = await assertMatchesCase(set, golden, {
    finalLatents: result.latents,
    ...(image.sample ? { decodedSample: image.sample } : {}),
    image: image.rgba,
  });
  console.log(summary);
}
