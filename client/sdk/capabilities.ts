/**
 * Can this browser denoise this model on its GPU? Checks WebGPU, the adapter's buffer limits and
 * features against an estimate of what the model needs, so the SDK goes to the server at once
 * instead of failing halfway through a generation.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import type { GpuLike } from "./types.ts";

/** What a model needs from the GPU at one image size. */
export interface MemoryEstimate {
  /** Weights plus peak activations, in bytes. */
  totalBytes: number;
  /** The largest single buffer (attention scores or a full-resolution VAE activation). */
  largestBufferBytes: number;
  /** Whether the UNet runs in float16, which needs the `shader-f16` feature. */
  float16: boolean;
}

/** The outcome of {@linkcode checkWebGpu}. */
export type WebGpuSupport =
  | { ok: true; estimate: MemoryEstimate }
  | { ok: false; reason: string };

/** Options of {@linkcode checkWebGpu}. */
export interface CheckWebGpuOptions {
  /** `navigator.gpu`, or `null`/absent when the browser has none. */
  gpu?: GpuLike | null;
  /** `navigator.deviceMemory` in GiB, when the browser tells. */
  deviceMemoryGb?: number;
}

// Attention heads assumed at the highest-resolution UNet level (8 for SD 1.x).
const HEADS = 8;
// Channels of the VAE decoder's last block, which runs at full resolution.
const VAE_CHANNELS = 128;

function weightBytes(manifest: ModelManifest): number {
  let total = 0;
  for (const name of ["unet", "vae_decoder"] as const) {
    const component = manifest.components[name];
    total += component.model.bytes + (component.externalData?.bytes ?? 0);
  }
  return total;
}

/**
 * Estimates GPU memory for generating one `width`×`height` image with classifier-free guidance.
 * Deliberately rough (it errs on the large side): it decides between the GPU and the server.
 *
 * @example Usage
 * ```ts ignore
 * const { totalBytes } = estimateMemory(manifest, { width: 512, height: 512 });
 * ```
 */
export function estimateMemory(
  manifest: ModelManifest,
  size: { width: number; height: number },
): MemoryEstimate {
  const { unet, vae_decoder: vae } = manifest.components;
  const sample = unet.inputs.find((i) => i.name === "sample");
  const float16 = sample?.dtype === "float16" || unet.weightDType === "float16" ||
    vae.weightDType === "float16";
  const element = float16 ? 2 : 4;
  const tokens = (size.width / manifest.vaeScaleFactor) * (size.height / manifest.vaeScaleFactor);
  const attention = 2 * HEADS * tokens * tokens * element;
  const vaeActivation = VAE_CHANNELS * size.width * size.height * element;
  const largestBufferBytes = Math.max(attention, vaeActivation);
  return {
    totalBytes: weightBytes(manifest) + 3 * largestBufferBytes,
    largestBufferBytes,
    float16,
  };
}

/**
 * The manifest with the networks of the variant this device should download: the `fp16`
 * variant where the adapter has `shader-f16` (half the download and memory), the `fp32` one where
 * it lacks it and the default networks are float16; otherwise the manifest as it is.
 *
 * @example
 * ```ts ignore
 * const chosen = pickVariant(manifest, { shaderF16: adapter.features.has("shader-f16") });
 * chosen.components.unet.model.path; // "unet_fp16/model.onnx" when the model ships one
 * ```
 */
export function pickVariant<T extends ModelManifest>(
  manifest: T,
  options: { shaderF16: boolean },
): T {
  const { unet, vae_decoder: vae } = manifest.components;
  const isHalf = manifest.variant === "fp16" || unet.weightDType === "float16" ||
    vae.weightDType === "float16";
  const wanted = options.shaderF16 ? "fp16" : isHalf ? "fp32" : null;
  const networks = wanted === null ? undefined : manifest.variants?.[wanted];
  if (wanted === null || networks?.unet === undefined || (wanted === "fp16") === isHalf) {
    return manifest;
  }
  // The served manifest gives every variant's files their `url` too, so T's shape holds.
  return { ...manifest, variant: wanted, components: { ...manifest.components, ...networks } } as T;
}

/** Whether `gpu`'s adapter has the `shader-f16` feature (false without an adapter). */
export async function hasShaderF16(gpu: GpuLike | null | undefined): Promise<boolean> {
  try {
    const adapter = await gpu?.requestAdapter({ powerPreference: "high-performance" });
    return adapter?.features.has("shader-f16") ?? false;
  } catch {
    return false;
  }
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

/**
 * Checks that WebGPU exists and that its adapter can hold the model at this size.
 *
 * @example Choosing the device
 * ```ts ignore
 * const support = await checkWebGpu(manifest, { width: 512, height: 512 }, { gpu: navigator.gpu });
 * const device = support.ok ? "webgpu" : "server";
 * ```
 */
export async function checkWebGpu(
  manifest: ModelManifest,
  size: { width: number; height: number },
  options: CheckWebGpuOptions = {},
): Promise<WebGpuSupport> {
  const gpu = options.gpu;
  if (gpu === undefined || gpu === null) {
    return { ok: false, reason: "this browser has no WebGPU" };
  }
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { ok: false, reason: `no WebGPU adapter (${String(error)})` };
  }
  if (adapter === null) return { ok: false, reason: "no WebGPU adapter is available" };
  const estimate = estimateMemory(manifest, size);
  if (estimate.float16 && !adapter.features.has("shader-f16")) {
    return { ok: false, reason: "the GPU lacks 'shader-f16', which this float16 model needs" };
  }
  const { maxBufferSize, maxStorageBufferBindingSize } = adapter.limits;
  const limit = Math.min(maxBufferSize, maxStorageBufferBindingSize);
  if (estimate.largestBufferBytes > limit) {
    return {
      ok: false,
      reason: `the GPU's largest buffer (${mib(limit)}) is smaller than this size needs ` +
        `(${mib(estimate.largestBufferBytes)})`,
    };
  }
  if (options.deviceMemoryGb !== undefined) {
    // Browsers round deviceMemory down and share it with everything else: use half.
    const budget = options.deviceMemoryGb * 2 ** 30 / 2;
    if (estimate.totalBytes > budget) {
      return {
        ok: false,
        reason: `this device has too little memory (${mib(budget)} usable, ` +
          `${mib(estimate.totalBytes)} needed)`,
      };
    }
  }
  return { ok: true, estimate };
}
