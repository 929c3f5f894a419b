import assert from "node:assert/strict";
import { createDirStaticFiles } from "../../../functions/services/static_files.ts";
import { recordingEncoder } from "../_encoder.ts";
import { serveApp, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

const queue = () => createInProcessQueue();

Deno.test("client routes serve client/dist files with validators, cache hashed names for good, and say how to build when absent", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/embed.js`, "export const embed = 1;\n");
  await Deno.mkdir(`${dir}/ort`);
  await Deno.writeFile(`${dir}/ort/ort-wasm.wasm`, new Uint8Array([0, 97, 115, 109]));
  await Deno.writeTextFile(`${dir}/ort/sd-render-worker.5QGBK22F.js`, "postMessage(1);\n");
  await Deno.mkdir(`${dir}/ort/0A1B2C3D`);
  await Deno.writeFile(`${dir}/ort/0A1B2C3D/ort-wasm.wasm`, new Uint8Array([0, 97, 115, 109]));
  const server = serveApp(
    await testDeps({
      queue: queue(),
      encoder: recordingEncoder(),
      staticFiles: createDirStaticFiles(dir),
    }),
  );
  try {
    const embed = await fetch(`${server.url}/embed.js`);
    assert.equal(embed.status, 200);
    assert.match(embed.headers.get("Content-Type") ?? "", /^text\/javascript/);
    assert.equal(embed.headers.get("Cross-Origin-Resource-Policy"), "cross-origin");
    assert.equal(await embed.text(), "export const embed = 1;\n");
    const etag = embed.headers.get("ETag")!;
    const again = await fetch(`${server.url}/embed.js`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();
    assert.equal(embed.headers.get("Cache-Control"), "public, max-age=300, must-revalidate");
    const wasm = await fetch(`${server.url}/ort/ort-wasm.wasm`);
    assert.equal(wasm.headers.get("Content-Type"), "application/wasm");
    assert.equal(wasm.headers.get("Cache-Control"), "public, max-age=300, must-revalidate");
    await wasm.body?.cancel();
    const worker = await fetch(`${server.url}/ort/sd-render-worker.5QGBK22F.js`);
    assert.equal(await worker.text(), "postMessage(1);\n");
    assert.equal(
      worker.headers.get("Cache-Control"),
      "public, max-age=31536000, immutable",
      "a content-hashed name never changes content",
    );
    const hashedWasm = await fetch(`${server.url}/ort/0A1B2C3D/ort-wasm.wasm`);
    assert.equal(hashedWasm.headers.get("Content-Type"), "application/wasm");
    assert.equal(hashedWasm.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
    assert.deepEqual(
      new Uint8Array(await hashedWasm.arrayBuffer()),
      Uint8Array.of(0, 97, 115, 109),
    );
    const unhashedFolder = await fetch(`${server.url}/ort/latest/ort-wasm.wasm`);
    assert.equal(unhashedFolder.status, 404);
    await unhashedFolder.body?.cancel();
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 404);
    const error = (await page.json()).error;
    assert.equal(error.code, "client_not_built");
    assert.match(error.message, /npx -y deno@2\.9\.6 task build/);
    const traversal = await fetch(`${server.url}/ort/..%2F..%2Fetc%2Fpasswd`);
    assert.equal(traversal.status, 404);
    await traversal.body?.cancel();
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without a client bundle, /sdk.js answers 404 in the error shape", async () => {
  const server = serveApp(await testDeps({ queue: queue(), encoder: recordingEncoder() }));
  try {
    const res = await fetch(`${server.url}/sdk.js`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "client_not_built");
  } finally {
    await server.close();
  }
});
