/**
 * The AUTOMATIC1111 web UI API shape, for tools that speak it: `POST /sdapi/v1/txt2img`,
 * `POST /sdapi/v1/img2img` (`init_images`, `denoising_strength`, `mask`, `inpainting_mask_invert`,
 * `mask_blur`, `resize_mode`, plus every txt2img field), `GET /sdapi/v1/samplers and `GET /sdapi/v1/sd-models` (a model is chosen with `model` or A1111's
 * `override_settings.sd_model_checkpoint`). `batch_size × n_iter` images come from `n_iter` jobs of `batch_size`
 * images each; seeds advance by `batch_size` between iterations, as in A1111.
 *
 * @module
 */
import { Hono } from "hono";
import { requireAuth } from "../middleware/auth.ts";
import type { AppEnv } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import type { Context } from "hono";
import { RESIZE_MODES } from "../../shared/image/mod.ts";
import type { GenerationInit } from "../../shared/generation/mod.ts";
import { base64Image, uploadedImages } from "./_uploads.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { RouteDeps } from "./_deps.ts";
import { findSampler, samplerName, samplers } from "../../shared/schedulers/mod.ts";
import {
  definedOnly,
  limitsFor,
  resolveGeneration,
  runToCompletion,
  toBase64,
  type WireNames,
} from "./_generation.ts";
import {
  invalid,
  type JsonObject,
  optionalInteger,
  optionalNumber,
  optionalSeed,
  optionalString,
  readJsonObject,
  requiredString,
} from "./_validate.ts";

/**
 * The A1111-compatible routes.
 *
 * @example Usage
 * ```ts
 * app.route("/sdapi/v1", sdapiRoutes(deps));
 * ```
 */
export function sdapiRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth({ keys: deps.keys, tokens: deps.tokens, scope: "generate" });
  const limit = rateLimit({ limiter: deps.limiter, tiers: deps.config.rateLimits });

  app.get("/samplers", auth, limit, (c) => {
    const offered = samplers().filter((s) => deps.schedulers.includes(s.alias));
    return c.json(offered.map((s) => ({ name: s.a1111, aliases: s.a1111Aliases, options: {} })));
  });

  app.get(
    "/sd-models",
    requireAuth({ keys: deps.keys, tokens: deps.tokens, scope: "models" }),
    limit,
    async (c) => {
      const models = [];
      for (const id of deps.catalog.ids()) {
        const manifest = await deps.catalog.get(id);
        const sha256 = manifest?.components.unet.model.sha256 ?? null;
        models.push({
          title: sha256 ? `${id} [${sha256.slice(0, 10)}]` : id,
          model_name: id,
          hash: sha256?.slice(0, 10) ?? null,
          sha256,
          filename: id,
          config: null,
        });
      }
      return c.json(models);
    },
  );

  app.post("/txt2img", auth, limit, (c) => a1111Generate(c, deps, false));
  app.post("/img2img", auth, limit, (c) => a1111Generate(c, deps, true));
  return app;
}

/** `txt2img` or `img2img`: `batch_size × n_iter` images and A1111's `info`. */
async function a1111Generate(
  c: Context<AppEnv>,
  deps: RouteDeps,
  img2img: boolean,
): Promise<Response> {
  const principal = c.get("principal");
  const limits = limitsFor(deps, principal);
  const body = await readJsonObject(c);
  const uploads = img2img ? a1111Images(body) : null;
  const maxLength = deps.config.maxPromptChars;
  const batchSize = optionalInteger(body, "batch_size") ?? 1;
  const iterations = optionalInteger(body, "n_iter", { min: 1, max: limits.maxImages }) ?? 1;
  const init = definedOnly({
    model: checkpointOf(body) ??
      optionalString(body, "model", { maxLength: 200, nonEmpty: true }),
    prompt: requiredString(body, "prompt", { maxLength, nonEmpty: true }),
    negativePrompt: optionalString(body, "negative_prompt", { maxLength }),
    steps: optionalInteger(body, "steps"),
    guidanceScale: optionalNumber(body, "cfg_scale"),
    seed: optionalSeed(body, "seed", { allowRandom: true }),
    width: optionalInteger(body, "width"),
    height: optionalInteger(body, "height"),
    batchSize,
    scheduler: schedulerOf(body),
  });
  const first = await resolveGeneration(
    deps,
    principal,
    uploads ? { ...init, ...uploads(init) } : init,
    A1111_NAMES,
  );
  if (batchSize * iterations > limits.maxImages) {
    throw invalid(
      "n_iter",
      `batch_size × n_iter must be at most ${limits.maxImages}`,
      iterations,
    );
  }
  const baseSeed = BigInt(first.seed);
  const jobs = [];
  for (let i = 0; i < iterations; i++) {
    const request = { ...first, seed: String((baseSeed + BigInt(i * batchSize)) % 2n ** 64n) };
    jobs.push(
      await runToCompletion(deps.queue, request, {
        signal: c.req.raw.signal,
        timeoutMs: deps.config.generationTimeoutMs,
      }),
    );
  }
  const images = jobs.flatMap((job) => (job.images ?? []).map(toBase64));
  // Seeds go out as JSON number literals written digit for digit (`JSON.rawJSON`), as A1111
  // sends them, so seeds above 2^53 arrive exactly for clients that parse big integers.
  const allSeeds = jobs.flatMap((job) =>
    (job.images ?? []).map(() => jsonInteger(job.request.seed))
  );
  const sampler = samplerName(first.scheduler);
  const parameters = {
    prompt: first.prompt,
    negative_prompt: first.negativePrompt,
    steps: first.steps,
    cfg_scale: first.guidanceScale,
    seed: jsonInteger(first.seed),
    width: first.width,
    height: first.height,
    batch_size: batchSize,
    n_iter: iterations,
    sampler_name: sampler,
    model: first.model,
    ...imageInfo(first),
  };
  const info = {
    prompt: first.prompt,
    all_prompts: images.map(() => first.prompt),
    negative_prompt: first.negativePrompt,
    all_negative_prompts: images.map(() => first.negativePrompt),
    seed: jsonInteger(first.seed),
    all_seeds: allSeeds,
    subseed: -1,
    all_subseeds: images.map(() => -1),
    subseed_strength: 0,
    width: first.width,
    height: first.height,
    sampler_name: sampler,
    cfg_scale: first.guidanceScale,
    steps: first.steps,
    batch_size: batchSize,
    sd_model_name: first.model,
    ...imageInfo(first),
    job_ids: jobs.map((job) => job.id),
    device: jobs[0]?.device ?? null,
  };
  c.header("Cache-Control", "no-store");
  return c.json({ images, parameters, info: JSON.stringify(info) });
}

/** A1111's `resize_mode` numbers; 3 ("just resize, latent upscale") resizes like 0. */
const A1111_RESIZE = [...RESIZE_MODES, "resize"] as const;

/**
 * The img2img fields: the first of `init_images`, `mask`, `denoising_strength` (A1111's default
 * 0.75), `mask_blur` (default 4), `inpainting_mask_invert` (0 or 1) and `resize_mode` (0–3).
 * Returns a function of the parsed size, since the images are fitted to it.
 */
function a1111Images(body: JsonObject): (init: Partial<GenerationInit>) => Partial<GenerationInit> {
  const list = body.init_images;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid("init_images", "must be a list of one or more base64 images", list);
  }
  const image = base64Image(list[0], "init_images[0]");
  const mask = body.mask === undefined || body.mask === null
    ? undefined
    : base64Image(body.mask, "mask");
  const strength = optionalNumber(body, "denoising_strength") ?? 0.75;
  const mode = optionalInteger(body, "resize_mode", { min: 0, max: 3 }) ?? 0;
  const invert = optionalInteger(body, "inpainting_mask_invert", { min: 0, max: 1 }) ?? 0;
  const maskBlur = optionalInteger(body, "mask_blur") ?? 4;
  return (init) => ({
    ...uploadedImages(image, {
      fields: { image: "init_images[0]", mask: "mask" },
      resizeMode: A1111_RESIZE[mode]!,
      ...(mask ? { mask } : {}),
      ...(init.width !== undefined || init.height !== undefined
        ? { width: init.width ?? init.height!, height: init.height ?? init.width! }
        : {}),
    }),
    strength,
    resizeMode: A1111_RESIZE[mode]!,
    ...(mask ? { maskBlur, invertMask: invert === 1 } : {}),
  });
}

/** The img2img settings A1111 reports in `parameters` and `info`. */
function imageInfo(request: Partial<GenerationInit>): Record<string, unknown> {
  if (request.initImage === undefined) return {};
  return {
    denoising_strength: request.strength,
    resize_mode: RESIZE_MODES.indexOf(request.resizeMode ?? "resize"),
    ...(request.mask !== undefined
      ? { mask_blur: request.maskBlur ?? 0, inpainting_mask_invert: request.invertMask ? 1 : 0 }
      : {}),
  };
}

/** How the A1111 body names the generation fields (for errors' `param`). */
const A1111_NAMES: WireNames = {
  negativePrompt: "negative_prompt",
  guidanceScale: "cfg_scale",
  batchSize: "batch_size",
  scheduler: "sampler_name",
  initImage: "init_images[0]",
  strength: "denoising_strength",
  maskBlur: "mask_blur",
  invertMask: "inpainting_mask_invert",
  resizeMode: "resize_mode",
};

/** `JSON.rawJSON` (ES2026; V8, so Deno and Chromium), not yet in TypeScript's lib. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A decimal integer as a JSON number literal, written digit for digit at any size. */
function jsonInteger(decimal: string): number {
  return rawJson(decimal) as number;
}

/** The scheduler alias of A1111's `sampler_name` (or `sampler_index`) and `scheduler` fields. */
function schedulerOf(body: Record<string, unknown>): string | undefined {
  const name = optionalString(body, "sampler_name", { maxLength: 64, nonEmpty: true }) ??
    optionalString(body, "sampler_index", { maxLength: 64, nonEmpty: true });
  const schedule = optionalString(body, "scheduler", { maxLength: 64 });
  if (name === undefined) return undefined;
  const sampler = findSampler(name, schedule);
  if (sampler === null) {
    throw new ApiError(
      400,
      "unknown_sampler",
      `Unknown sampler '${name}'${schedule ? ` with scheduler '${schedule}'` : ""}: ` +
        `see GET /sdapi/v1/samplers`,
      { param: "sampler_name" },
    );
  }
  return sampler.alias;
}

/**
 * A1111 picks the model with `override_settings.sd_model_checkpoint`, a title such as
 * `tiny-sd [abc123def0]` or a bare name; the bracketed hash is dropped.
 */
function checkpointOf(body: Record<string, unknown>): string | undefined {
  const overrides = body.override_settings;
  if (overrides === undefined || overrides === null) return undefined;
  if (typeof overrides !== "object" || Array.isArray(overrides)) {
    throw invalid("override_settings", "must be an object", overrides);
  }
  const checkpoint = (overrides as Record<string, unknown>).sd_model_checkpoint;
  if (checkpoint === undefined || checkpoint === null) return undefined;
  if (typeof checkpoint !== "string" || checkpoint.trim() === "" || checkpoint.length > 200) {
    throw invalid(
      "override_settings.sd_model_checkpoint",
      "must be a model name of 1 to 200 characters",
      checkpoint,
    );
  }
  return checkpoint.replace(/\s*\[[0-9a-f]{8,64}\]\s*$/i, "").trim();
}
