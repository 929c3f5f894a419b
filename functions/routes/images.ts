/**
 * `POST /v1/images/generations` and `POST /v1/images/edits`, compatible with OpenAI's Images API
 * (`prompt`, `n`, `size`, `response_format`, `user`, `model`; edits take multipart `image` and an
 * optional `mask` whose fully transparent pixels mark the area to repaint), extended with
 * `negative_prompt`, `steps`, `guidance_scale`, `seed`, `scheduler` and, for edits, `strength`.
 * Without a mask an edit is image to image. Runs on the render worker through the job queue.
 *
 * @module
 */
import { Hono } from "hono";
import type { AppEnv } from "../middleware/context.ts";
import type { RouteDeps } from "./_deps.ts";
import { authFor, rateLimitFor } from "./_guards.ts";
import {
  definedOnly,
  imageUrls,
  parseSize,
  readPromptFields,
  resolveGeneration,
  runToCompletion,
  toBase64,
  type WireNames,
} from "./_generation.ts";
import type { GenerationInit } from "../../shared/generation/mod.ts";
import type { Job, JobRequest } from "../services/jobs.ts";
import { ApiError } from "../middleware/errors.ts";
import { uploadedImages } from "./_uploads.ts";
import type { Context } from "hono";
import {
  invalid,
  type JsonObject,
  optionalChoice,
  optionalInteger,
  optionalNumber,
  optionalString,
  readJsonObject,
} from "./_validate.ts";

/** How the OpenAI body names the generation fields (for errors' `param`). */
export const OPENAI_NAMES: WireNames = {
  negativePrompt: "negative_prompt",
  guidanceScale: "guidance_scale",
  width: "size",
  height: "size",
  batchSize: "n",
  initImage: "image",
};

/** Parses the body shared by `/v1/images/generations` and `POST /v1/jobs`. */
export function parseOpenAiBody(deps: RouteDeps, body: JsonObject): GenerationInit {
  optionalString(body, "user", { maxLength: 256 });
  optionalString(body, "quality", { maxLength: 32 });
  optionalString(body, "style", { maxLength: 32 });
  optionalChoice(body, "output_format", ["png"]);
  return definedOnly({
    model: optionalString(body, "model", { maxLength: 200, nonEmpty: true }),
    ...readPromptFields(deps, body, { guidanceScale: "guidance_scale" }),
    ...parseSize(body.size, "size"),
    batchSize: optionalInteger(body, "n"),
    scheduler: optionalString(body, "scheduler", { maxLength: 64, nonEmpty: true }),
  });
}

/**
 * The OpenAI-compatible image generation route.
 *
 * @example Usage
 * ```ts
 * app.route("/v1/images", imageRoutes(deps));
 * ```
 */
export function imageRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = authFor(deps, "generate");
  const limit = rateLimitFor(deps);
  app.post(
    "/generations",
    auth,
    limit,
    async (c) => {
      const principal = c.get("principal");
      const body = await readJsonObject(c);
      const input = parseOpenAiBody(deps, body);
      const format = optionalChoice(body, "response_format", ["url", "b64_json"]) ?? "url";
      if (body.stream === true) throw invalid("stream", "streaming is not supported", true);
      const request = await resolveGeneration(deps, principal, input, OPENAI_NAMES);
      const job = await runToCompletion(deps.queue, request, {
        signal: c.req.raw.signal,
        timeoutMs: deps.config.generationTimeoutMs,
      });
      return await openAiResponse(c, deps, request, job, format);
    },
  );
  app.post(
    "/edits",
    auth,
    limit,
    async (c) => {
      const principal = c.get("principal");
      const { body, image, mask } = await readEditForm(c);
      const input = parseOpenAiBody(deps, body);
      const format = optionalChoice(body, "response_format", ["url", "b64_json"]) ?? "url";
      const strength = optionalNumber(body, "strength");
      const uploads = uploadedImages(image, {
        maskFrom: "alpha",
        fields: { image: "image", mask: "mask" },
        ...(mask ? { mask } : {}),
        ...(input.width !== undefined ? { width: input.width, height: input.height! } : {}),
      });
      const request = await resolveGeneration(deps, principal, {
        ...input,
        ...uploads,
        ...(strength !== undefined ? { strength } : {}),
      }, OPENAI_NAMES);
      const job = await runToCompletion(deps.queue, request, {
        signal: c.req.raw.signal,
        timeoutMs: deps.config.generationTimeoutMs,
      });
      return await openAiResponse(c, deps, request, job, format);
    },
  );
  return app;
}

/** The OpenAI images response of a finished job. */
async function openAiResponse(
  c: Context<AppEnv>,
  deps: RouteDeps,
  request: JobRequest,
  job: Job,
  format: "url" | "b64_json",
): Promise<Response> {
  const images = job.images ?? [];
  const data = format === "b64_json"
    ? images.map((png) => ({ b64_json: toBase64(png), revised_prompt: request.prompt }))
    : (await imageUrls(deps, job, c.req.url)).map((url) => ({
      url,
      revised_prompt: request.prompt,
    }));
  c.header("Cache-Control", "no-store");
  return c.json({
    created: Math.floor(job.createdAt / 1000),
    data,
    output_format: "png",
    size: `${request.width}x${request.height}`,
    seed: request.seed,
    job_id: job.id,
  });
}

/** Numeric fields of the edits form, sent as text in multipart bodies. */
const NUMERIC_FIELDS = ["n", "steps", "guidance_scale", "strength"];

/**
 * The multipart body of `/v1/images/edits`: the text fields as a JSON-like object (numbers
 * parsed), the `image` file (`image[]` too, the first one) and the optional `mask` file.
 */
async function readEditForm(
  c: Context<AppEnv>,
): Promise<{ body: JsonObject; image: Uint8Array; mask?: Uint8Array }> {
  const type = c.req.header("Content-Type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `Send image edits as multipart/form-data: current value is '${type.slice(0, 100)}'`,
    );
  }
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw new ApiError(400, "invalid_multipart", "The multipart body could not be parsed");
  }
  const body: JsonObject = {};
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string" || key in body) continue;
    const number = Number(value);
    body[key] = NUMERIC_FIELDS.includes(key) && value.trim() !== "" && Number.isFinite(number)
      ? number
      : value;
  }
  const file = async (name: string) => {
    const value = form.get(name) ?? (name === "image" ? form.get("image[]") : null);
    if (value === null) return undefined;
    if (typeof value === "string") throw invalid(name, "must be a file upload", value);
    return new Uint8Array(await value.arrayBuffer());
  };
  const image = await file("image");
  if (image === undefined) throw invalid("image", "is required (a PNG or JPEG file)", null);
  const mask = await file("mask");
  return { body, image, ...(mask ? { mask } : {}) };
}
