/**
 * Test helpers for the network builders: reads the tiny reference checkpoint (config and
 * safetensors weights), runs a built graph in onnxruntime-node on golden inputs, and measures the
 * largest deviation from a golden output.
 */

import type { HostTensor, HostTensorData, ModelSession } from "../../../shared/ort/mod.ts";
import { cpuSession, tensor } from "../../_ort.ts";
import { encodeModel, type GraphBuilder, type WeightSource } from "../../../models/onnx/mod.ts";
import { openSafetensors } from "../../../models/weights/mod.ts";
import { fixturePath, readFixtureJson } from "../../_fixtures.ts";
import { type NpyArray, readGolden } from "../../_npy.ts";

const REFERENCE = "models/tiny-sd-reference/diffusers";

type Component = "unet" | "vae";
type Build = (config: Record<string, unknown>, weights: WeightSource) => GraphBuilder;

/** A weight source that knows no data: enough to count parameters without allocating them. */
export const SHAPE_ONLY: WeightSource = { get: () => null };

/** The `config.json` of one component of the tiny reference checkpoint. */
export function referenceConfig(component: Component): Promise<Record<string, unknown>> {
  return readFixtureJson<Record<string, unknown>>(`${REFERENCE}/${component}/config.json`);
}

/** Tensor names stored in the component's safetensors file. */
export async function referenceTensorNames(component: Component): Promise<string[]> {
  const weights = await openSafetensors(weightsPath(component));
  try {
    return weights.names();
  } finally {
    weights.close();
  }
}

/**
 * Builds a graph from the reference config and weights and encodes it (the weights are read while
 * the model is encoded, then the file is closed).
 */
export async function referenceModel(component: Component, build: Build): Promise<Uint8Array> {
  const config = await referenceConfig(component);
  const weights = await openSafetensors(weightsPath(component));
  try {
    return encodeModel(build(config, weights)).model;
  } finally {
    weights.close();
  }
}

/** {@linkcode referenceModel} opened in an onnxruntime-node CPU session. */
export async function referenceSession(
  component: Component,
  build: Build,
): Promise<ModelSession> {
  const model = await referenceModel(component, build);
  return cpuSession(model);
}

/** Reads golden `.npy` files into onnxruntime tensors, keyed by input name. */
export async function goldenFeeds(
  files: Record<string, string>,
): Promise<Record<string, HostTensor>> {
  const feeds: Record<string, HostTensor> = {};
  for (const [name, file] of Object.entries(files)) {
    const array = await readGolden(file);
    feeds[name] = tensor(array.data as HostTensorData, array.shape);
  }
  return feeds;
}

/** Largest |actual − expected| (NaN if any element is NaN), after checking the shapes agree. */
export function maxAbsDiff(actual: HostTensor | undefined, expected: NpyArray): number {
  if (actual === undefined) throw new TypeError("Cannot compare a missing output");
  if (actual.dims.join(",") !== expected.shape.join(",")) {
    throw new RangeError(`Shape [${actual.dims}] differs from golden [${expected.shape}]`);
  }
  const a = actual.data as Float32Array;
  const b = expected.data as Float32Array;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}

function weightsPath(component: Component): string {
  return fixturePath(`${REFERENCE}/${component}/diffusion_pytorch_model.safetensors`);
}
