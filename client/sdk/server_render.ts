/**
 * Server rendering, the fallback when the browser cannot denoise: `POST /v1/jobs`, progress from
 * the job's Server-Sent Events (polling `GET /v1/jobs/:id` when the stream breaks), then the PNG.
 * Aborting cancels the job on the server.
 *
 * @module
 */

import type { GenerationInit, GenerationParams } from "../../shared/generation/params.ts";
import type { Api } from "./_http.ts";
import { imagePng, maskPng } from "./init_image.ts";
import { readSse } from "./_sse.ts";
import { isAbortError, SdClientError } from "./errors.ts";
import type { ProgressEvent } from "./types.ts";

/** The part of the API's job view the SDK reads. */
interface JobView {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  progress: { step: number; total: number };
  model: string;
  /** The job's resolved parameters in the OpenAI body's names. */
  request: {
    prompt: string;
    negative_prompt: string;
    steps: number;
    guidance_scale: number;
    seed: string;
    size: string;
    n: number;
    scheduler: string;
    strength?: number;
    mask_blur?: number;
    invert_mask?: boolean;
  };
  images: string[];
  error: { message: string; code: string } | null;
  device: string | null;
}

/** What {@linkcode renderOnServer} gives back. */
export interface ServerImage {
  png: Uint8Array<ArrayBuffer>;
  /** What the server rendered, translated back from the job view. */
  parameters: GenerationParams;
  /** The server's device (`cpu`, `cuda`, ...), when it says. */
  serverDevice: string | null;
}

/** Options of {@linkcode renderOnServer}. */
export interface RenderOnServerOptions {
  api: Api;
  signal?: AbortSignal;
  onProgress?(event: ProgressEvent): void;
  /** Milliseconds between polls when the event stream is unavailable. @default 500 */
  pollIntervalMs?: number;
}

/** The OpenAI-style body of `POST /v1/jobs` for a generation (the seed as a decimal string). */
async function body(request: GenerationInit): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { prompt: request.prompt, n: request.batchSize ?? 1 };
  if (request.seed !== undefined) out.seed = String(request.seed);
  if (request.negativePrompt !== undefined) out.negative_prompt = request.negativePrompt;
  if (request.steps !== undefined) out.steps = request.steps;
  if (request.guidanceScale !== undefined) out.guidance_scale = request.guidanceScale;
  if (request.width !== undefined && request.height !== undefined) {
    out.size = `${request.width}x${request.height}`;
  }
  if (request.scheduler !== undefined) out.scheduler = request.scheduler;
  if (request.model !== undefined) out.model = request.model;
  if (request.initImage !== undefined) {
    out.image = base64(await imagePng(request.initImage));
    if (request.mask !== undefined) {
      out.mask = base64(await maskPng(request.mask));
      if (request.maskBlur !== undefined) out.mask_blur = request.maskBlur;
      if (request.invertMask !== undefined) out.invert_mask = request.invertMask;
    }
    if (request.strength !== undefined) out.strength = request.strength;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The job view's request as `GenerationParams`. */
function parametersOf(job: JobView): GenerationParams {
  const r = job.request;
  const [width, height] = r.size.split("x").map(Number) as [number, number];
  return {
    model: job.model,
    prompt: r.prompt,
    negativePrompt: r.negative_prompt,
    seed: r.seed,
    steps: r.steps,
    guidanceScale: r.guidance_scale,
    scheduler: r.scheduler,
    width,
    height,
    batchSize: r.n,
    ...(r.strength !== undefined ? { strength: r.strength } : {}),
    ...(r.mask_blur !== undefined ? { maskBlur: r.mask_blur } : {}),
    ...(r.invert_mask !== undefined ? { invertMask: r.invert_mask } : {}),
  };
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

function failure(job: JobView): SdClientError {
  if (job.status === "cancelled") {
    return new SdClientError("generation_failed", `The server cancelled job ${job.id}`, {
      serverCode: "job_cancelled",
    });
  }
  return new SdClientError(
    "generation_failed",
    `The server could not render the image: ${job.error?.message ?? "unknown error"}`,
    { serverCode: job.error?.code ?? "generation_failed" },
  );
}

async function followEvents(
  job: JobView,
  options: RenderOnServerOptions,
): Promise<JobView | null> {
  const path = `/v1/jobs/${encodeURIComponent(job.id)}/events`;
  let response: Response;
  try {
    response = await options.api.request(path, {
      headers: { Accept: "text/event-stream" },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (isAbortError(error) || options.signal?.aborted) throw error;
    return null;
  }
  if (response.body === null) return null;
  try {
    for await (const { event, data } of readSse(response.body)) {
      if (event === "step") {
        const { step, total } = JSON.parse(data) as { step: number; total: number };
        options.onProgress?.({ type: "step", step, total });
      } else if (event === "done" || event === "error" || event === "cancelled") {
        return JSON.parse(data) as JobView;
      }
    }
  } catch (error) {
    if (isAbortError(error) || options.signal?.aborted) throw options.signal?.reason ?? error;
  }
  return null;
}

async function poll(job: JobView, options: RenderOnServerOptions): Promise<JobView> {
  const interval = options.pollIntervalMs ?? 500;
  let current = job;
  while (!TERMINAL.has(current.status)) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    options.signal?.throwIfAborted();
    current = await options.api.json<JobView>(`/v1/jobs/${encodeURIComponent(job.id)}`, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (current.progress.step > 0) {
      options.onProgress?.({ type: "step", ...current.progress });
    }
  }
  return current;
}

/**
 * Renders on the server and downloads the image.
 *
 * @throws {SdClientError} for API errors and failed jobs; the signal's reason when aborted.
 *
 * @example Usage
 * ```ts ignore
 * const image = await renderOnServer({ prompt: "a cat", seed: "42" }, { api });
 * ```
 */
export async function renderOnServer(
  request: GenerationInit,
  options: RenderOnServerOptions,
): Promise<ServerImage> {
  const { api, signal } = options;
  const job = await api.json<JobView>("/v1/jobs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(await body(request)),
    ...(signal ? { signal } : {}),
  });
  options.onProgress?.({ type: "queued" });
  const cancel = () => {
    void api.request(`/v1/jobs/${encodeURIComponent(job.id)}`, { method: "DELETE" })
      .then((r) => r.body?.cancel(), () => {});
  };
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    const done = await followEvents(job, options) ?? await poll(job, options);
    if (done.status !== "succeeded") throw failure(done);
    const url = done.images[0];
    if (url === undefined) throw failure({ ...done, error: { message: "no image", code: "" } });
    const image = await api.request(url, { auth: false, ...(signal ? { signal } : {}) });
    const png = new Uint8Array(await image.arrayBuffer());
    return { png, parameters: parametersOf(done), serverDevice: done.device };
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}
