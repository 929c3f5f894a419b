/**
 * Asynchronous generation: `POST /v1/jobs` (202 + `Location`), `GET /v1/jobs/:id`,
 * `GET /v1/jobs/:id/events` (Server-Sent Events: queued, running, step i/n, done, error,
 * cancelled), `DELETE /v1/jobs/:id` (cancel) and the images at
 * `/v1/jobs/:id/images/:index.png` (API key, or the `sig` of a signed URL).
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { authenticate, requestOrigin } from "../middleware/auth.ts";
import type { AppEnv, Principal } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import { isTerminal, type Job, type JobEvent } from "../services/jobs.ts";
import type { RouteDeps } from "./_deps.ts";
import { authFor, rateLimitFor } from "./_guards.ts";
import { imageUrls, parseSize, resolveGeneration } from "./_generation.ts";
import {
  invalid,
  type JsonObject,
  optionalInteger,
  optionalNumber,
  readJsonObject,
} from "./_validate.ts";
import { base64Image, uploadedImages } from "./_uploads.ts";
import type { GenerationInit } from "../../shared/generation/mod.ts";
import { OPENAI_NAMES, parseOpenAiBody } from "./images.ts";

/**
 * The job routes.
 *
 * @example Usage
 * ```ts
 * app.route("/v1/jobs", jobRoutes(deps));
 * ```
 */
export function jobRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limit = rateLimitFor(deps);
  const submitAuth = authFor(deps, "generate");
  const jobsAuth = authFor(deps, "jobs");

  async function ownJob(id: string, principal: Principal): Promise<Job> {
    const job = await deps.queue.get(id);
    // Another key's job is reported as absent, so ids cannot be probed.
    if (
      job === null || (job.request.owner !== undefined && job.request.owner !== principal.keyId)
    ) {
      throw new ApiError(404, "job_not_found", `No job '${id}'`, { param: "id" });
    }
    return job;
  }

  const view = async (job: Job, url: string) => ({
    id: job.id,
    object: "job",
    status: job.status,
    model: job.request.model,
    created: Math.floor(job.createdAt / 1000),
    updated: Math.floor(job.updatedAt / 1000),
    progress: job.progress,
    request: {
      prompt: job.request.prompt,
      negative_prompt: job.request.negativePrompt,
      steps: job.request.steps,
      guidance_scale: job.request.guidanceScale,
      seed: job.request.seed,
      size: `${job.request.width}x${job.request.height}`,
      n: job.request.batchSize,
      scheduler: job.request.scheduler,
      ...(job.request.initImage
        ? {
          image: `${job.request.initImage.width}x${job.request.initImage.height}`,
          mask: job.request.mask !== undefined,
          strength: job.request.strength,
          ...(job.request.maskBlur !== undefined ? { mask_blur: job.request.maskBlur } : {}),
          ...(job.request.invertMask !== undefined ? { invert_mask: job.request.invertMask } : {}),
        }
        : {}),
    },
    images: job.status === "succeeded" ? await imageUrls(deps, job, url) : [],
    error: job.error ?? null,
    device: job.device ?? null,
    timings: job.timings ?? null,
  });

  app.post("/", submitAuth, limit, async (c) => {
    const principal = c.get("principal");
    const body = await readJsonObject(c);
    const input = { ...parseOpenAiBody(deps, body), ...jobImages(body) };
    const job = await deps.queue.submit(
      await resolveGeneration(deps, principal, input, OPENAI_NAMES),
    );
    c.header("Location", `/v1/jobs/${encodeURIComponent(job.id)}`);
    c.header("Cache-Control", "no-store");
    return c.json(await view(job, c.req.url), 202);
  });

  app.get("/:id", jobsAuth, limit, async (c) => {
    const job = await ownJob(c.req.param("id"), c.get("principal"));
    c.header("Cache-Control", "no-store");
    return c.json(await view(job, c.req.url));
  });

  app.delete("/:id", jobsAuth, limit, async (c) => {
    const job = await ownJob(c.req.param("id"), c.get("principal"));
    if (!(await deps.queue.cancel(job.id))) {
      throw new ApiError(
        409,
        "job_finished",
        `Job '${job.id}' has already finished (${job.status})`,
      );
    }
    const current = (await deps.queue.get(job.id)) ?? job;
    return c.json(await view(current, c.req.url));
  });

  app.get("/:id/events", jobsAuth, limit, async (c) => {
    const job = await ownJob(c.req.param("id"), c.get("principal"));
    const url = c.req.url;
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const send = async (event: JobEvent) => {
        const [name, data] = event.type === "step"
          ? ["step", { step: event.step, total: event.total }]
          : [sseName(event.type), await view(event.job, url)];
        await stream.writeSSE({ event: name, data: JSON.stringify(data) });
      };
      if (isTerminal(job.status)) {
        await send({ type: job.status, job } as JobEvent);
        return;
      }
      for await (const event of deps.queue.events(job.id, { signal: abort.signal })) {
        await send(event);
        if (event.type !== "step" && isTerminal(event.job.status)) break;
      }
    });
  });

  app.get("/:id/images/:file{[0-9]+\\.png}", async (c) => {
    const id = c.req.param("id");
    const sig = c.req.query("sig");
    let owner: string;
    if (sig !== undefined) {
      const verified = await deps.tokens.verifyJobImages(sig, id);
      if (!verified.ok) {
        throw verified.reason === "expired"
          ? new ApiError(401, "token_expired", "This image link has expired")
          : new ApiError(401, "invalid_signature", "Invalid image link signature");
      }
      owner = verified.claims.keyId;
    } else {
      const principal = await authenticate(
        c.req.header("Authorization"),
        requestOrigin(c.req.raw),
        deps,
      );
      owner = principal.keyId;
    }
    const job = await deps.queue.get(id);
    const index = Number.parseInt(c.req.param("file"), 10);
    const png = job?.images?.[index];
    const expected = job?.request.owner;
    if (job === null || png === undefined || (expected !== undefined && expected !== owner)) {
      throw new ApiError(404, "image_not_found", `No image ${index} for job '${id}'`);
    }
    return c.body(png.slice(), 200, {
      "Content-Type": "image/png",
      "Cache-Control": "private, max-age=86400, immutable",
      "Content-Length": String(png.byteLength),
    });
  });
  return app;
}

/**
 * Image to image and inpainting jobs: `image` and `mask` as base64 PNG/JPEG (the mask repaints
 * where fully transparent, as in `/v1/images/edits`), `strength` in (0, 1], and with a mask
 * `mask_blur` (σ in pixels, default 0) and `invert_mask` (repaint the opaque part instead).
 */
function jobImages(body: JsonObject): Partial<GenerationInit> {
  const hasMask = body.mask !== undefined && body.mask !== null;
  for (const field of ["mask_blur", "invert_mask"]) {
    if (!hasMask && body[field] !== undefined && body[field] !== null) {
      throw invalid(field, "needs a 'mask'", body[field]);
    }
  }
  if (body.image === undefined || body.image === null) {
    if (hasMask) throw invalid("mask", "needs an 'image'", "…");
    return {};
  }
  const maskBlur = optionalInteger(body, "mask_blur");
  // Checked (a boolean) with every other field by resolveGeneration, which names `invert_mask`.
  const invertMask = (body.invert_mask ?? undefined) as boolean | undefined;
  const strength = optionalNumber(body, "strength");
  const size = parseSize(body.size, "size");
  return {
    ...uploadedImages(base64Image(body.image, "image"), {
      maskFrom: "alpha",
      ...(body.mask === undefined || body.mask === null
        ? {}
        : { mask: base64Image(body.mask, "mask") }),
      ...(size ?? {}),
    }),
    ...(strength !== undefined ? { strength } : {}),
    ...(maskBlur !== undefined ? { maskBlur } : {}),
    ...(invertMask !== undefined ? { invertMask } : {}),
  };
}

function sseName(type: Exclude<JobEvent["type"], "step">): string {
  if (type === "succeeded") return "done";
  if (type === "failed") return "error";
  return type;
}
