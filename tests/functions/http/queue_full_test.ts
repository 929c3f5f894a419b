import assert from "node:assert/strict";
import { recordingEncoder } from "../_encoder.ts";
import { jsonPost, serveApp, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

Deno.test("a full queue answers 503 with Retry-After", async () => {
  // A real in-process queue of one slot and no render worker: the first job fills it.
  const queue = createInProcessQueue({ capacity: 1 });
  const deps = await testDeps({ queue, encoder: recordingEncoder() });
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  try {
    const first = await fetch(`${server.url}/v1/jobs`, jsonPost({ prompt: "x" }, key));
    assert.equal(first.status, 202);
    await first.body?.cancel();
    const res = await fetch(`${server.url}/v1/jobs`, jsonPost({ prompt: "x" }, key));
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get("Retry-After")) >= 1);
    assert.equal((await res.json()).error.code, "queue_full");
  } finally {
    await server.close();
    await queue.close();
  }
});
