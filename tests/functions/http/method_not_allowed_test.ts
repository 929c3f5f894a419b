/**
 * A known path asked with a method it does not take answers 405 with `Allow` (over real HTTP);
 * an unknown path stays 404. Both in the API's error shape.
 */
import assert from "node:assert/strict";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";
import { recordingEncoder } from "../_encoder.ts";
import { serveApp, testDeps } from "../_harness.ts";

const CASES: { method: string; path: string; allow: string | null }[] = [
  { method: "PUT", path: "/v1/encode", allow: "POST" },
  { method: "GET", path: "/v1/images/generations", allow: "POST" },
  { method: "POST", path: "/v1/jobs/any-id", allow: "DELETE, GET, HEAD" },
  { method: "DELETE", path: "/v1/models/tiny-sd", allow: "GET, HEAD" },
  { method: "PATCH", path: "/sdapi/v1/txt2img", allow: "POST" },
  // The route's own pattern decides: a job image is `<digits>.png`, a hashed ORT folder 8 chars.
  { method: "POST", path: "/v1/jobs/any-id/images/0.png", allow: "GET, HEAD" },
  { method: "GET", path: "/v1/jobs/any-id/images/x.png", allow: null },
  { method: "POST", path: "/ort/ABCD1234/ort.wasm", allow: "GET, HEAD" },
  { method: "GET", path: "/v1/nope", allow: null },
];

Deno.test("a wrong method on a known path is 405 with Allow; an unknown path is 404", async () => {
  const queue = createInProcessQueue({ capacity: 4 });
  const deps = await testDeps({ queue, encoder: recordingEncoder() });
  // With a valid key: authentication comes first on the /v1 routes.
  const { key } = await deps.keys.create("secret", { name: "test" });
  const server = serveApp(deps);
  try {
    for (const { method, path, allow } of CASES) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}` },
      });
      const body = await res.json();
      const where = `${method} ${path}`;
      assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"], where);
      if (allow === null) {
        assert.equal(res.status, 404, where);
        assert.equal(body.error.code, "route_not_found", where);
        assert.equal(res.headers.get("Allow"), null, where);
      } else {
        assert.equal(res.status, 405, where);
        assert.equal(body.error.code, "method_not_allowed", where);
        assert.equal(body.error.type, "invalid_request_error", where);
        assert.equal(res.headers.get("Allow"), allow, where);
        assert.match(body.error.message, new RegExp(`does not take ${method}: use ${allow}`));
      }
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
    await queue.close();
  }
});
