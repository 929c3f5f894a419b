/**
 * `POST /v1/encode`: CLIP embeddings of a prompt and a negative prompt, so the browser runs only
 * the UNet and VAE. JSON with base64 tensors by default; raw little-endian bytes (uncond then
 * cond, shape in headers) when the client sends `Accept: application/octet-stream`.
 * `?dtype=float16` halves the payload.
 *
 * @module
 */
import { Hono } from "hono";
import { timeout } from "hono/timeout";
import type { AppEnv } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import { toFloat16Array } from "../../shared/tensor/mod.ts";
import type { RouteDeps } from "./_deps.ts";
import { authFor, rateLimitFor } from "./_guards.ts";
import { toBase64 } from "./_generation.ts";
import { optionalString, readJsonObject, requiredString } from "./_validate.ts";

/**
 * The encode route.
 *
 * @example Usage
 * ```ts
 * app.route("/v1/encode", encodeRoutes(deps));
 * ```
 */
export function encodeRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    "/",
    authFor(deps, "encode"),
    rateLimitFor(deps),
    timeout(deps.config.requestTimeoutMs),
    async (c) => {
      const dtype = c.req.query("dtype") ?? "float32";
      if (dtype !== "float32" && dtype !== "float16") {
        throw new ApiError(
          400,
          "invalid_value",
          `Invalid 'dtype': must be 'float32' or 'float16': current value is '${
            dtype.slice(0, 40)
          }'`,
          { param: "dtype" },
        );
      }
      const body = await readJsonObject(c);
      const maxLength = deps.config.maxPromptChars;
      const prompt = requiredString(body, "prompt", { maxLength, nonEmpty: true });
      const negativePrompt = optionalString(body, "negative_prompt", { maxLength }) ?? "";
      const model = optionalString(body, "model", { maxLength: 200, nonEmpty: true }) ??
        deps.catalog.ids()[0]!;
      if (!deps.catalog.ids().includes(model)) {
        throw new ApiError(404, "model_not_found", `The model '${model}' is not served here`, {
          param: "model",
        });
      }
      const { embeddings, cache } = await deps.encoder.encode(model, { prompt, negativePrompt });
      const pack = (values: Float32Array): Uint8Array =>
        dtype === "float16"
          ? new Uint8Array(toFloat16Array(values).buffer)
          : new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      c.header("X-Cache", cache === "miss" ? "MISS" : "HIT");
      c.header("Cache-Control", "no-store");
      if (wantsOctetStream(c.req.header("Accept"))) {
        const uncond = pack(embeddings.uncond);
        const cond = pack(embeddings.cond);
        const bytes = new Uint8Array(uncond.byteLength + cond.byteLength);
        bytes.set(uncond, 0);
        bytes.set(cond, uncond.byteLength);
        const [, tokens, dim] = embeddings.shape;
        return c.body(bytes, 200, {
          "Content-Type": "application/octet-stream",
          "X-Embedding-Shape": `2,${tokens},${dim}`,
          "X-Embedding-Dtype": dtype,
          "X-Embedding-Order": "uncond,cond",
        });
      }
      return c.json({
        object: "encoding",
        model,
        shape: embeddings.shape,
        dtype,
        cond: toBase64(pack(embeddings.cond)),
        uncond: toBase64(pack(embeddings.uncond)),
        cached: cache !== "miss",
      });
    },
  );
  return app;
}

function wantsOctetStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept.split(",").map((part) => part.split(";")[0]!.trim().toLowerCase());
  const octet = types.indexOf("application/octet-stream");
  const json = types.indexOf("application/json");
  return octet !== -1 && (json === -1 || octet < json);
}
