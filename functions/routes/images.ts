/**
 * `POST /v1/images/generations`, compatible with OpenAI's Images API (`prompt`, `n`, `size`,
 * `response_format`, `user`, `model`), extended with `negative_prompt`, `steps`,
 * `guidance_scale`, `seed` and `scheduler`. Runs on the render worker through the job queue.
 *
 * @module
 */
import { Hono } from "hono";
import { requireAuth } from "../middleware/auth.ts";
import type { AppEnv } from "../middleware/context.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { RouteDeps } from "./_deps.ts";
import {
  definedOnly,
  imageUrls,
  parseSize,
  resolveGeneration,
  runToCompletion,
  toBase64,
  type WireNames,
} from "./_generation.ts";
import type { GenerationInit } from "../../shared/generation/mod.ts";
import {
  invalid,
  type JsonObject,
  optionalChoice,
  optionalInteger,
  optionalNumber,
  optionalSeed,
  optionalString,
  readJsonObject,
  requiredString,
} from "./_validate.ts";

/** How the OpenAI body names the generation fields (for errors' `param`). */
export const OPENAI_NAMES: WireNames = {
  negativePrompt: "negative_prompt",
  guidanceScale: "guidance_scale",
  width: "size",
  height: "size",
  batchSize: "n",
};

/** Parses the body shared by `/v1/images/generations` and `POST /v1/jobs`. */
export function parseOpenAiBody(deps: RouteDeps, body: JsonObject): GenerationInit {
  const maxLength = deps.config.maxPromptChars;
  optionalString(body, "user", { maxLength: 256 });
  optionalString(body, "quality", { maxLength: 32 });
  optionalString(body, "style", { maxLength: 32 });
  optionalChoice(body, "output_format", ["png"]);
  return definedOnly({
    model: optionalString(body, "model", { maxLength: 200, nonEmpty: true }),
    prompt: requiredString(body, "prompt", { maxLength, nonEmpty: true }),
    negativePrompt: optionalString(body, "negative_prompt", { maxLength }),
    steps: optionalInteger(body, "steps"),
    guidanceScale: optionalNumber(body, "guidance_scale"),
    seed: optionalSeed(body, "seed"),
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
  app.post(
    "/generations",
    requireAuth({ keys: deps.keys, tokens: deps.tokens, scope: "generate" }),
    rateLimit({ limiter: deps.limiter, tiers: deps.config.rateLimits }),
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
    },
  );
  return app;
}
