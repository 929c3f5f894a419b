/**
 * The page side of the render worker when the worker does not behave: it must fail with a
 * {@linkcode LocalRenderError} (which the client answers by rendering on the server), never wait.
 */
import assert from "node:assert/strict";
import { createLocalRenderer, LocalRenderError } from "../../../client/sdk/local_render.ts";

function moduleUrl(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

Deno.test("createLocalRenderer() gives up on a worker that never says it loaded", async () => {
  // A worker script from before the `loaded` handshake (a stale cached copy) stays silent.
  const started = performance.now();
  await assert.rejects(
    createLocalRenderer({
      workerUrl: moduleUrl("self.addEventListener('message', () => {});"),
      ortUrl: "about:blank",
      device: "wasm",
      loadTimeoutMs: 300,
    }),
    (error) =>
      error instanceof LocalRenderError && error.kind === "unavailable" &&
      /did not load within 0.3 s/.test(error.message),
  );
  assert.ok(performance.now() - started < 10_000);
});

Deno.test("createLocalRenderer() reports a worker script that throws as unavailable", async () => {
  await assert.rejects(
    createLocalRenderer({
      workerUrl: moduleUrl("throw new Error('broken bundle');"),
      ortUrl: "about:blank",
      device: "wasm",
    }),
    (error) =>
      error instanceof LocalRenderError && error.kind === "unavailable" &&
      /broken bundle/.test(error.message),
  );
});

Deno.test("createLocalRenderer() sends init once the worker has loaded, even after a slow start", async () => {
  // The worker sits in a top-level await (Deno drops messages posted meanwhile), then answers.
  const renderer = await createLocalRenderer({
    workerUrl: moduleUrl(`
      await new Promise((resolve) => setTimeout(resolve, 300));
      self.addEventListener("message", (event) => {
        if (event.data.type === "init") self.postMessage({ type: "ready", device: event.data.device });
      });
      self.postMessage({ type: "loaded" });
    `),
    ortUrl: "about:blank",
    device: "wasm",
  });
  assert.equal(renderer.device, "wasm");
  renderer.close();
});
