/**
 * What the three generation front doors (OpenAI images, A1111 txt2img, async jobs) share:
 * resolving a validated request against the model's defaults and the caller's limits, running a
 * job to completion, and the signed URLs of job images.
 *
 * @module
 */
import type { RequestLimits } from "../config.ts";
import type { Principal } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import type { GenerationRequest, Job, JobQueue } from "../services/jobs.ts";
import type { RouteDeps } from "./_deps.ts";
import { invalid, type JsonObject } from "./_validate.ts";

/** Generation parameters after type validation, before defaults. */
export interface GenerationInput {
  model: string | undefined;
  prompt: string;
  negativePrompt: string | undefined;
  steps: number | undefined;
  guidanceScale: number | undefined;
  seed: bigint | undefined;
  width: number | undefined;
  height: number | undefined;
  batchSize: number;
  scheduler: string | undefined;
}

/** The limits of the caller's tier. */
export function limitsFor(deps: RouteDeps, principal: Principal): RequestLimits {
  return deps.config.limits[principal.tier];
}

/**
 * Parses an OpenAI `size` ("512x512"): both sides multiples of 8 in [64, maxSize].
 */
export function parseSize(
  body: JsonObject,
  name: string,
  limits: RequestLimits,
): { width: number; height: number } | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === "auto") return undefined;
  const match = typeof value === "string" ? /^(\d{1,5})x(\d{1,5})$/.exec(value) : null;
  if (match === null) throw invalid(name, "must be 'WIDTHxHEIGHT' like '512x512'", value);
  const width = Number(match[1]);
  const height = Number(match[2]);
  checkSide(name, width, limits, value);
  checkSide(name, height, limits, value);
  return { width, height };
}

/** Checks one image side: multiple of 8 in [64, maxSize]. */
export function checkSide(name: string, side: number, limits: RequestLimits, value: unknown) {
  if (side < 64 || side > limits.maxSize || side % 8 !== 0) {
    throw invalid(name, `sides must be multiples of 8 in [64, ${limits.maxSize}]`, value);
  }
}

/**
 * Fills defaults from the model's manifest, checks the model and scheduler and resolves the seed.
 */
export async function resolveGeneration(
  deps: RouteDeps,
  principal: Principal,
  input: GenerationInput,
): Promise<GenerationRequest> {
  const model = input.model ?? deps.catalog.ids()[0]!;
  const manifest = await deps.catalog.get(model);
  if (manifest === null) {
    throw new ApiError(404, "model_not_found", `The model '${model}' is not served here`, {
      param: "model",
    });
  }
  const scheduler = input.scheduler ?? manifest.defaults.scheduler;
  if (!deps.schedulers.includes(scheduler)) {
    throw invalid("scheduler", `must be one of ${deps.schedulers.join(", ")}`, scheduler);
  }
  const limits = limitsFor(deps, principal);
  const width = input.width ?? Math.min(manifest.defaults.width, limits.maxSize);
  const height = input.height ?? Math.min(manifest.defaults.height, limits.maxSize);
  return {
    model,
    prompt: input.prompt,
    negativePrompt: input.negativePrompt ?? "",
    steps: input.steps ?? Math.min(manifest.defaults.steps, limits.maxSteps),
    guidanceScale: input.guidanceScale ?? manifest.defaults.guidanceScale,
    seed: String(input.seed ?? deps.randomSeed()),
    width,
    height,
    batchSize: input.batchSize,
    scheduler,
    owner: principal.keyId,
  };
}

/** Options of {@linkcode runToCompletion}. */
export interface RunOptions {
  /** The client's request signal: when it aborts, the job is cancelled. */
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * Submits `request` and waits for its end: the job when it succeeded, an `ApiError` otherwise
 * (the job is cancelled on timeout or when the client goes away).
 */
export async function runToCompletion(
  queue: JobQueue,
  request: GenerationRequest,
  options: RunOptions,
): Promise<Job> {
  const job = await queue.submit(request);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  let done: Job;
  try {
    done = await queue.wait(job.id, { signal });
  } catch (error) {
    await queue.cancel(job.id).catch(() => false);
    if (deadline.aborted) {
      throw new ApiError(504, "generation_timeout", "Generation took too long and was cancelled", {
        type: "server_error",
      });
    }
    throw error;
  }
  if (done.status === "succeeded") return done;
  if (done.status === "cancelled") {
    throw new ApiError(409, "job_cancelled", `Job ${done.id} was cancelled`);
  }
  throw new ApiError(
    500,
    done.error?.code ?? "generation_failed",
    `Generation failed: ${done.error?.message ?? "unknown error"}`,
    { type: "server_error" },
  );
}

/** Base URL for absolute links: the configured public URL or the request's origin. */
export function baseUrl(deps: RouteDeps, requestUrl: string): string {
  return deps.config.publicUrl ?? new URL(requestUrl).origin;
}

/** Signed URLs of a job's images (valid for a day). */
export async function imageUrls(
  deps: RouteDeps,
  job: Job,
  requestUrl: string,
): Promise<string[]> {
  const count = job.images?.length ?? 0;
  if (count === 0) return [];
  const sig = await deps.tokens.signJobImages(job.id, job.request.owner ?? "", 86_400);
  const base = `${baseUrl(deps, requestUrl)}/v1/jobs/${encodeURIComponent(job.id)}/images`;
  return Array.from({ length: count }, (_, i) => `${base}/${i}.png?sig=${sig}`);
}

/** Base64 of bytes (chunked, so large PNGs do not overflow the argument list). */
export function toBase64(bytes: Uint8Array): string {
  // ES2026 `Uint8Array.prototype.toBase64` (Deno, current browsers) is ~40× faster than btoa over
  // a binary string: 0.35 ms against 13.7 ms for a CLIP-L embedding pair (473 KB).
  const native = (bytes as { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
