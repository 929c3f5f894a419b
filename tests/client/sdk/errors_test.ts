import assert from "node:assert/strict";
import { errorFromResponse, SdClientError } from "../../../client/sdk/errors.ts";

function apiError(status: number, code: string, headers: Record<string, string> = {}) {
  return new Response(
    JSON.stringify({ error: { message: `message of ${code}`, type: "x", code, param: "prompt" } }),
    { status, headers: { "Content-Type": "application/json", ...headers } },
  );
}

Deno.test("errorFromResponse() maps the API's statuses and codes to SDK codes", async () => {
  const cases: [number, string, string][] = [
    [401, "invalid_api_key", "unauthorized"],
    [401, "key_revoked", "unauthorized"],
    [403, "origin_not_allowed", "forbidden_origin"],
    [403, "origin_required", "forbidden_origin"],
    [403, "insufficient_scope", "forbidden"],
    [429, "rate_limited", "rate_limited"],
    [503, "queue_full", "unavailable"],
    [404, "model_not_found", "model_not_found"],
    [400, "invalid_value", "invalid_request"],
    [500, "internal_error", "generation_failed"],
  ];
  for (const [status, serverCode, code] of cases) {
    const error = await errorFromResponse(apiError(status, serverCode));
    assert.ok(error instanceof SdClientError);
    assert.equal(error.code, code, `${status} ${serverCode}`);
    assert.equal(error.serverCode, serverCode);
    assert.equal(error.status, status);
    assert.equal(error.message, `message of ${serverCode}`);
    assert.equal(error.param, "prompt");
  }
});

Deno.test("errorFromResponse() reads Retry-After and survives bodies that are not the error shape", async () => {
  const limited = await errorFromResponse(apiError(429, "rate_limited", { "Retry-After": "12" }));
  assert.equal(limited.retryAfterSeconds, 12);
  const html = await errorFromResponse(
    new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
  );
  assert.equal(html.code, "generation_failed");
  assert.equal(html.message, "The server answered 502 Bad Gateway");
  assert.equal(html.retryAfterSeconds, undefined);
});
