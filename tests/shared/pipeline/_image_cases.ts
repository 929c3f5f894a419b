/**
 * The image-to-image and inpainting goldens of `../shared/fixtures/img2img/` and
 * `../shared/fixtures/inpaint/`: their cases, inputs as `PixelImage`s, golden arrays, the VAE
 * encoder built from the reference checkpoint (the fixture's ONNX encoder exports only the mean;
 * diffusers samples the distribution) and the image comparison with each case's tolerance.
 * Test-only.
 */

import assert from "node:assert/strict";
import { encodePng, type PixelImage } from "../../../shared/image/mod.ts";
import type { Backend, ModelSession } from "../../../shared/ort/mod.ts";
import { buildVaeEncoder } from "../../../models/networks/mod.ts";
import { readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";
import { asFloat32, readFixtureNpy } from "../../_npy.ts";
import { referenceModel } from "../../models/networks/_reference.ts";

/** Which fixture set. */
export type ImageSet = "img2img" | "inpaint";

/** One end-to-end case of a set's `golden/index.json`. */
export interface ImageCase {
  set: ImageSet;
  name: string;
  call: {
    prompt: string;
    negative_prompt: string;
    strength: number;
    num_inference_steps: number;
    guidance_scale: number;
    generator: string;
  };
  scheduler: { class: string; config_passed: Record<string, unknown> };
  timesteps_used: number[];
  init_image: string;
  mask?: string;
  unet?: "inpaint9" | "reference4";
  tolerance: {
    final_latents_max_abs: number;
    decoded_sample_max_abs: number;
    image_uint8_max_abs: number;
    image_uint8_max_fraction_differing: number;
  };
  arrays: Record<string, { file: string }>;
}

/** The seed of a case (`torch.Generator('cpu').manual_seed(N)`). */
export function caseSeed(c: ImageCase): number {
  return Number(/manual_seed\((\d+)\)/.exec(c.call.generator)![1]);
}

/** The end-to-end cases of a set. */
export async function loadCases(set: ImageSet): Promise<ImageCase[]> {
  const index = await readFixtureJson<{ cases: Omit<ImageCase, "set">[] }>(
    `${set}/golden/index.json`,
  );
  return index.cases.map((c) => ({ ...c, set }));
}

/** A golden array of a case as float32. */
export async function goldenArray(c: ImageCase, name: string): Promise<Float32Array> {
  const entry = c.arrays[name];
  if (!entry) throw new TypeError(`case ${c.name} has no array ${name}`);
  return asFloat32(await readFixtureNpy(`${c.set}/golden/${entry.file}`));
}

/** The case's init image (HWC RGB uint8). */
export async function initImage(c: ImageCase): Promise<PixelImage> {
  const array = await readFixtureNpy(`${c.set}/golden/${c.init_image}.uint8.npy`);
  const [height, width] = array.shape as [number, number];
  return { data: array.data as Uint8Array, width, height, channels: 3 };
}

/** The case's mask (HW uint8, 255 repaints). */
export async function maskImage(c: ImageCase): Promise<PixelImage> {
  const array = await readFixtureNpy(`${c.set}/golden/${c.mask}.uint8.npy`);
  const [height, width] = array.shape as [number, number];
  return { data: array.data as Uint8Array, width, height, channels: 1 };
}

/** The PNG file of the case's init image or mask. */
export function fixturePng(c: ImageCase, which: "image" | "mask"): Promise<Uint8Array> {
  return readFixtureBytes(`${c.set}/golden/${which === "image" ? c.init_image : c.mask}.png`);
}

/** The reference VAE encoder built with `latent_parameters`, opened on `backend`. */
export async function referenceEncoder(backend: Backend): Promise<ModelSession> {
  return await backend.createSession(await referenceModel("vae", buildVaeEncoder));
}

/** The 9-channel inpainting UNet of the inpaint fixtures, opened on `backend`. */
export async function inpaintUnet(backend: Backend): Promise<ModelSession> {
  return await backend.createSession(
    await readFixtureBytes("inpaint/tiny-sd-inpaint/unet/model.onnx"),
  );
}

/** Largest |a − b| of two equally long arrays. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Asserts an RGBA (or RGB) image is within the case's image tolerance of `image_uint8`; returns
 * how many values differ and the largest difference.
 */
export async function assertImageMatches(
  c: ImageCase,
  pixels: ArrayLike<number>,
  channels: 3 | 4,
): Promise<{ differing: number; worst: number }> {
  const golden = await goldenArray(c, "image_uint8");
  const count = golden.length / 3;
  assert.equal(pixels.length, count * channels, "image size");
  let differing = 0;
  let worst = 0;
  for (let p = 0; p < count; p++) {
    for (let k = 0; k < 3; k++) {
      const d = Math.abs(pixels[p * channels + k]! - golden[p * 3 + k]!);
      if (d > 0) differing++;
      worst = Math.max(worst, d);
    }
  }
  const { image_uint8_max_abs: maxDiff, image_uint8_max_fraction_differing: fraction } =
    c.tolerance;
  assert.ok(worst <= maxDiff, `${c.name}: image differs by up to ${worst}`);
  assert.ok(differing <= fraction * golden.length, `${c.name}: ${differing} values differ`);
  return { differing, worst };
}

/** The scheduler alias of each golden's scheduler class (how the API surfaces name them). */
export const CASE_SCHEDULER_ALIASES: Readonly<Record<string, string>> = {
  PNDMScheduler: "pndm",
  DDIMScheduler: "ddim",
  EulerAncestralDiscreteScheduler: "euler_a",
};

/** The case's mask with OpenAI semantics, as a PNG: fully transparent where it repaints. */
export async function transparentMask(c: ImageCase): Promise<Uint8Array> {
  const mask = await maskImage(c);
  const rgba = new Uint8ClampedArray(mask.width * mask.height * 4).fill(255);
  for (let p = 0; p < mask.width * mask.height; p++) {
    if (mask.data[p]! >= 128) rgba[p * 4 + 3] = 0;
  }
  return encodePng(rgba, { width: mask.width, height: mask.height });
}
