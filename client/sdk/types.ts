/**
 * Public types of the browser SDK: the client options, a generation request, its progress events
 * and its result.
 *
 * @module
 */

import type { GenerationInit, GenerationParams } from "../../shared/generation/params.ts";
import type { ImageInput } from "./init_image.ts";

/**
 * Where an image is made: the caller's GPU (`webgpu`), the caller's CPU (`wasm`) or the server's
 * render worker (`server`).
 */
export type RenderDevice = "webgpu" | "wasm" | "server";

/** Device preference: `auto` tries WebGPU and falls back to the server. */
export type DevicePreference = "auto" | RenderDevice;

/** Options of `createClient`. */
export interface ClientOptions {
  /** Origin (and optional path prefix) of the API, e.g. `https://sd.example.com`. */
  baseUrl: string;
  /** A publishable key (`pk_…`) or a short-lived token; sent as a bearer credential. */
  key: string;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Where to render. @default "auto" */
  device?: DevicePreference;
  /**
   * URL of the render worker script.
   * @default the one shipped with this build, under `<baseUrl>/ort/`
   */
  workerUrl?: string;
  /** Where onnxruntime-web's `.wasm` files are served. @default `<baseUrl>/ort/<hash>/` (this build's folder) */
  ortUrl?: string;
  /** Keep downloaded model files in the Cache API. @default true */
  cache?: boolean;
  /** The `GPU` object to probe. @default navigator.gpu */
  gpu?: GpuLike | null;
}

/** The part of `navigator.gpu` the capability check reads. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: "low-power" | "high-performance" }): Promise<
    GpuAdapterLike | null
  >;
}

/** The part of a `GPUAdapter` the capability check reads. */
export interface GpuAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits: { readonly maxBufferSize: number; readonly maxStorageBufferBindingSize: number };
}

/**
 * What to generate: the shared `GenerationInit` (absent fields take the model's defaults; the
 * seed is an integer in [0, 2^64 − 1] as a number, bigint or decimal string, a random 32-bit one
 * when absent, always returned). One image per call.
 */
export type GenerateParams =
  & Omit<GenerationInit, "batchSize" | "initImage" | "mask">
  & {
    /**
     * Image to image: the init image (a `Blob`/`File`, an image URL, `ImageBitmap`, `ImageData`
     * or decoded pixels). Fitted to `width` × `height` (default: its own size rounded down to a
     * multiple of 8) with `resizeMode`; `strength` (default 0.8) says how much changes.
     */
    image?: ImageInput;
    /**
     * Inpainting: white repaints, black keeps; the image's size. Needs `image`. `maskBlur`
     * (Gaussian σ in pixels, default 0) softens it before it is binarised; `invertMask`
     * repaints the black part instead.
     */
    mask?: ImageInput;
  };

/** A progress event of one generation, in the order they arrive. */
export type ProgressEvent =
  /** The device that will render (again after a fallback). */
  | { type: "device"; device: RenderDevice }
  /** A model file is downloading (`loaded` of `total` bytes) or came from the cache. */
  | { type: "download"; file: string; loaded: number; total: number; cached: boolean }
  /** The model is loading onto the device. */
  | { type: "load" }
  /** The server queued the job (fallback rendering). */
  | { type: "queued" }
  /** Denoising step `step` of `total` finished. */
  | { type: "step"; step: number; total: number }
  /** The VAE is decoding. */
  | { type: "decode" }
  /** Local rendering failed; the server renders instead. */
  | { type: "fallback"; from: RenderDevice; reason: string };

/** Options of `generate`. */
export interface GenerateOptions {
  /** Aborts the generation (and cancels a server job). */
  signal?: AbortSignal;
  onProgress?(event: ProgressEvent): void;
}

/** Milliseconds spent per stage; only the stages that ran are present. */
export interface GenerateTimings {
  totalMs: number;
  encodeMs?: number;
  downloadMs?: number;
  loadMs?: number;
  denoiseMs?: number;
  decodeMs?: number;
  /** Server rendering, from submit to the image. */
  serverMs?: number;
}

/** The generated image. */
export interface GenerateResult {
  /** PNG with the generation parameters in its `parameters` chunk. */
  blob: Blob;
  /** The seed used, as a decimal string (seeds may exceed 2^53). */
  seed: string;
  /** Everything the image was made with, defaults filled (what its PNG `parameters` record). */
  parameters: GenerationParams;
  /** Which device made the image. */
  device: RenderDevice;
  /** Why the preferred device was not used, when it was not. */
  fallbackReason?: string;
  width: number;
  height: number;
  timings: GenerateTimings;
}

/** An SDK client bound to a server and a key. */
export interface Client {
  readonly baseUrl: string;
  /** Generates one image. */
  generate(params: GenerateParams, options?: GenerateOptions): Promise<GenerateResult>;
  /** Stops the render worker and frees its GPU memory. */
  close(): void;
}
