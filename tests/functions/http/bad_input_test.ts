import assert from "node:assert/strict";
import { recordingEncoder } from "../_encoder.ts";
import { serveApp, testConfig, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

interface Case {
  name: string;
  path: string;
  method?: string;
  /** JSON-encoded unless a string. */
  body?: unknown;
  contentType?: string | null;
  status: number;
  code: string;
  param?: string;
  publishable?: boolean;
}

const MAX_PROMPT = 300;
const gen = "/v1/images/generations";
const a1111 = "/sdapi/v1/txt2img";
const ok = { prompt: "a red circle" };

const CASES: Case[] = [
  // OpenAI images
  {
    name: "prompt missing",
    path: gen,
    body: {},
    status: 400,
    code: "missing_field",
    param: "prompt",
  },
  { name: "prompt null", path: gen, body: { prompt: null }, status: 400, code: "missing_field" },
  {
    name: "prompt a number",
    path: gen,
    body: { prompt: 5 },
    status: 400,
    code: "invalid_value",
    param: "prompt",
  },
  { name: "prompt empty", path: gen, body: { prompt: "  " }, status: 400, code: "invalid_value" },
  {
    name: "prompt huge",
    path: gen,
    body: { prompt: "x".repeat(MAX_PROMPT + 1) },
    status: 400,
    code: "string_too_long",
    param: "prompt",
  },
  {
    name: "n zero",
    path: gen,
    body: { ...ok, n: 0 },
    status: 400,
    code: "invalid_value",
    param: "n",
  },
  {
    name: "n too many",
    path: gen,
    body: { ...ok, n: 100 },
    status: 400,
    code: "invalid_value",
    param: "n",
  },
  {
    name: "n fractional",
    path: gen,
    body: { ...ok, n: 1.5 },
    status: 400,
    code: "invalid_value",
    param: "n",
  },
  {
    name: "n a string",
    path: gen,
    body: { ...ok, n: "2" },
    status: 400,
    code: "invalid_value",
    param: "n",
  },
  {
    name: "size without height",
    path: gen,
    body: { ...ok, size: "512" },
    status: 400,
    code: "invalid_value",
    param: "size",
  },
  {
    name: "size not a multiple of 8",
    path: gen,
    body: { ...ok, size: "500x512" },
    status: 400,
    code: "invalid_value",
    param: "size",
  },
  {
    name: "size too large",
    path: gen,
    body: { ...ok, size: "4096x4096" },
    status: 400,
    code: "invalid_value",
    param: "size",
  },
  {
    name: "size too small",
    path: gen,
    body: { ...ok, size: "32x32" },
    status: 400,
    code: "invalid_value",
    param: "size",
  },
  {
    name: "size a number",
    path: gen,
    body: { ...ok, size: 512 },
    status: 400,
    code: "invalid_value",
    param: "size",
  },
  {
    name: "steps 0",
    path: gen,
    body: { ...ok, steps: 0 },
    status: 400,
    code: "invalid_value",
    param: "steps",
  },
  {
    name: "steps 10000",
    path: gen,
    body: { ...ok, steps: 10000 },
    status: 400,
    code: "invalid_value",
    param: "steps",
  },
  {
    name: "steps a string",
    path: gen,
    body: { ...ok, steps: "20" },
    status: 400,
    code: "invalid_value",
    param: "steps",
  },
  {
    name: "guidance_scale a word",
    path: gen,
    body: { ...ok, guidance_scale: "high" },
    status: 400,
    code: "invalid_value",
    param: "guidance_scale",
  },
  {
    name: "guidance_scale negative",
    path: gen,
    body: { ...ok, guidance_scale: -1 },
    status: 400,
    code: "invalid_value",
  },
  {
    name: "seed negative",
    path: gen,
    body: { ...ok, seed: -5 },
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "seed 2^64",
    path: gen,
    body: { ...ok, seed: "18446744073709551616" },
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "seed in exponent form",
    path: gen,
    body: '{"prompt": "a red circle", "seed": 1e19}',
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "seed fractional",
    path: gen,
    body: { ...ok, seed: 1.5 },
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    // Integer literals are read digit for digit (2^60 is a valid seed), so only a literal past
    // 2^64 − 1, or one in exponent form, is refused.
    name: "seed literal beyond 2^64 - 1",
    path: gen,
    body: '{"prompt": "a red circle", "seed": 18446744073709551616}',
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "seed an object",
    path: gen,
    body: { ...ok, seed: {} },
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "unknown scheduler",
    path: gen,
    body: { ...ok, scheduler: "warp" },
    status: 400,
    code: "invalid_value",
    param: "scheduler",
  },
  {
    name: "unknown model",
    path: gen,
    body: { ...ok, model: "dall-e-9" },
    status: 404,
    code: "model_not_found",
    param: "model",
  },
  {
    name: "bad response_format",
    path: gen,
    body: { ...ok, response_format: "gif" },
    status: 400,
    code: "invalid_value",
    param: "response_format",
  },
  {
    name: "negative_prompt a number",
    path: gen,
    body: { ...ok, negative_prompt: 123 },
    status: 400,
    code: "invalid_value",
  },
  {
    name: "output_format jpeg",
    path: gen,
    body: { ...ok, output_format: "jpeg" },
    status: 400,
    code: "invalid_value",
  },
  {
    name: "user a number",
    path: gen,
    body: { ...ok, user: 42 },
    status: 400,
    code: "invalid_value",
    param: "user",
  },
  {
    name: "stream requested",
    path: gen,
    body: { ...ok, stream: true },
    status: 400,
    code: "invalid_value",
    param: "stream",
  },
  { name: "invalid JSON", path: gen, body: '{"prompt": "a', status: 400, code: "invalid_json" },
  { name: "JSON array", path: gen, body: "[1,2]", status: 400, code: "invalid_json" },
  { name: "JSON null", path: gen, body: "null", status: 400, code: "invalid_json" },
  {
    name: "text/plain body",
    path: gen,
    body: "prompt=cat",
    contentType: "text/plain",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "form body",
    path: gen,
    body: "prompt=cat",
    contentType: "application/x-www-form-urlencoded",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "no content type",
    path: gen,
    body: "{}",
    contentType: null,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "oversized body",
    path: gen,
    body: { prompt: "x".repeat(9000) },
    status: 413,
    code: "request_too_large",
  },
  {
    name: "publishable key beyond its steps",
    path: gen,
    body: { ...ok, steps: 80 },
    status: 400,
    code: "invalid_value",
    param: "steps",
    publishable: true,
  },
  {
    name: "publishable key beyond its n",
    path: gen,
    body: { ...ok, n: 2 },
    status: 400,
    code: "invalid_value",
    param: "n",
    publishable: true,
  },
  // A1111
  {
    name: "a1111 width not a multiple of 8",
    path: a1111,
    body: { ...ok, width: 500 },
    status: 400,
    code: "invalid_value",
    param: "width",
  },
  {
    name: "a1111 height a string",
    path: a1111,
    body: { ...ok, height: "512" },
    status: 400,
    code: "invalid_value",
    param: "height",
  },
  {
    name: "a1111 batch_size 0",
    path: a1111,
    body: { ...ok, batch_size: 0 },
    status: 400,
    code: "invalid_value",
    param: "batch_size",
  },
  {
    name: "a1111 n_iter 1000",
    path: a1111,
    body: { ...ok, n_iter: 1000 },
    status: 400,
    code: "invalid_value",
    param: "n_iter",
  },
  {
    name: "a1111 too many images",
    path: a1111,
    body: { ...ok, batch_size: 4, n_iter: 4 },
    status: 400,
    code: "invalid_value",
    param: "n_iter",
  },
  {
    name: "a1111 unknown sampler",
    path: a1111,
    body: { ...ok, sampler_name: "Warp Drive" },
    status: 400,
    code: "unknown_sampler",
    param: "sampler_name",
  },
  {
    name: "a1111 Karras on DDIM",
    path: a1111,
    body: { ...ok, sampler_name: "DDIM", scheduler: "Karras" },
    status: 400,
    code: "unknown_sampler",
  },
  {
    name: "a1111 cfg_scale a string",
    path: a1111,
    body: { ...ok, cfg_scale: "7" },
    status: 400,
    code: "invalid_value",
    param: "cfg_scale",
  },
  {
    name: "a1111 seed -2",
    path: a1111,
    body: { ...ok, seed: -2 },
    status: 400,
    code: "invalid_value",
    param: "seed",
  },
  {
    name: "a1111 prompt missing",
    path: a1111,
    body: { steps: 10 },
    status: 400,
    code: "missing_field",
    param: "prompt",
  },
  // encode
  {
    name: "encode prompt missing",
    path: "/v1/encode",
    body: {},
    status: 400,
    code: "missing_field",
    param: "prompt",
  },
  {
    name: "encode prompt huge",
    path: "/v1/encode",
    body: { prompt: "y".repeat(MAX_PROMPT + 1) },
    status: 400,
    code: "string_too_long",
  },
  {
    name: "encode unknown model",
    path: "/v1/encode",
    body: { ...ok, model: "nope" },
    status: 404,
    code: "model_not_found",
  },
  {
    name: "encode dtype float64",
    path: "/v1/encode?dtype=float64",
    body: ok,
    status: 400,
    code: "invalid_value",
    param: "dtype",
  },
  {
    name: "encode negative_prompt a list",
    path: "/v1/encode",
    body: { ...ok, negative_prompt: [] },
    status: 400,
    code: "invalid_value",
  },
  // jobs
  {
    name: "job steps 0",
    path: "/v1/jobs",
    body: { ...ok, steps: 0 },
    status: 400,
    code: "invalid_value",
    param: "steps",
  },
  {
    name: "job mask_blur without a mask",
    path: "/v1/jobs",
    body: { ...ok, mask_blur: 3 },
    status: 400,
    code: "invalid_value",
    param: "mask_blur",
  },
  {
    name: "job invert_mask without a mask",
    path: "/v1/jobs",
    body: { ...ok, invert_mask: true },
    status: 400,
    code: "invalid_value",
    param: "invert_mask",
  },
  { name: "unknown job", path: "/v1/jobs/nope", method: "GET", status: 404, code: "job_not_found" },
  {
    name: "cancel unknown job",
    path: "/v1/jobs/nope",
    method: "DELETE",
    status: 404,
    code: "job_not_found",
  },
  {
    name: "job image not a number",
    path: "/v1/jobs/nope/images/abc.png",
    method: "GET",
    status: 404,
    code: "route_not_found",
  },
  // tokens
  {
    name: "token unknown scope",
    path: "/v1/tokens",
    body: { scopes: ["admin"] },
    status: 400,
    code: "invalid_value",
    param: "scopes",
  },
  {
    name: "token bad origin",
    path: "/v1/tokens",
    body: { origins: ["not a url"] },
    status: 400,
    code: "invalid_value",
    param: "origins",
  },
  {
    name: "token expires_in 0",
    path: "/v1/tokens",
    body: { expires_in: 0 },
    status: 400,
    code: "invalid_value",
    param: "expires_in",
  },
  // routing
  { name: "unknown route", path: "/v1/nope", method: "GET", status: 404, code: "route_not_found" },
  {
    name: "wrong method",
    path: "/v1/encode",
    method: "PUT",
    body: ok,
    status: 405,
    code: "method_not_allowed",
  },
  {
    name: "wrong method on a parameterised path",
    path: "/v1/jobs/00000000-0000-0000-0000-000000000000",
    method: "POST",
    body: ok,
    status: 405,
    code: "method_not_allowed",
  },
  {
    name: "model file with a malformed hash",
    path: "/v1/models/tiny-sd/files/zzz/unet/model.onnx",
    method: "GET",
    status: 404,
    code: "file_not_found",
  },
];

Deno.test(`bad input: ${CASES.length} malformed requests all get 4xx in the error shape, and the server stays healthy`, async () => {
  assert.ok(CASES.length >= 40);
  const config = testConfig({ SD_MAX_PROMPT_CHARS: String(MAX_PROMPT), SD_MAX_BODY_BYTES: "8192" });
  const queue = createInProcessQueue({ capacity: 16 });
  const encoder = recordingEncoder();
  const deps = await testDeps({ config, queue, encoder });
  const sk = (await deps.keys.create("secret")).key;
  const pk = (await deps.keys.create("publishable", { origins: ["https://app.example"] })).key;
  const server = serveApp(deps);
  try {
    for (const c of CASES) {
      const method = c.method ?? "POST";
      const headers: Record<string, string> = {
        Authorization: `Bearer ${c.publishable ? pk : sk}`,
      };
      if (c.publishable) headers.Origin = "https://app.example";
      if (c.contentType !== null && method !== "GET" && method !== "DELETE") {
        headers["Content-Type"] = c.contentType ?? "application/json";
      }
      const body = c.body === undefined
        ? undefined
        : typeof c.body === "string"
        ? c.body
        : JSON.stringify(c.body);
      const res = await fetch(`${server.url}${c.path}`, {
        method,
        headers,
        ...(body ? { body } : {}),
      });
      const text = await res.text();
      assert.equal(res.status, c.status, `${c.name}: status ${res.status} ${text}`);
      assert.match(res.headers.get("Content-Type") ?? "", /^application\/json/, c.name);
      const json = JSON.parse(text);
      assert.deepEqual(Object.keys(json), ["error"], c.name);
      const { message, type, code, param } = json.error;
      assert.equal(typeof message, "string", c.name);
      assert.ok(!/\n\s+at /.test(message), `${c.name}: no stack trace`);
      assert.equal(typeof type, "string", c.name);
      assert.equal(code, c.code, `${c.name}: ${message}`);
      if (c.param !== undefined) assert.equal(param, c.param, c.name);
    }
    assert.equal(queue.size().queued, 0, "no bad request reached the queue");
    assert.equal(encoder.calls, 0, "no bad request reached the encoder");
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const good = await fetch(`${server.url}/v1/encode`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sk}`, "Content-Type": "application/json" },
      body: JSON.stringify(ok),
    });
    assert.equal(good.status, 200);
    await good.body?.cancel();
  } finally {
    await server.close();
  }
});
