import assert from "node:assert/strict";
import { rangeOf } from "../../../functions/routes/models.ts";
import { recordingEncoder } from "../_encoder.ts";
import {
  FIXTURE_ROOT,
  fixtureManifest,
  serveApp,
  testDeps,
  type TestDepsOverrides,
} from "../_harness.ts";
import { createLocalCatalog } from "../../../functions/services/models/local_catalog.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

async function setup(overrides: TestDepsOverrides = {}) {
  const deps = await testDeps({
    queue: createInProcessQueue(),
    encoder: recordingEncoder(),
    ...overrides,
  });
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...headers },
    });
  return { server, get };
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("GET /v1/models lists served models; /v1/models/:id is the manifest with file URLs", async () => {
  const { server, get } = await setup();
  try {
    const list = await (await get("/v1/models")).json();
    assert.equal(list.object, "list");
    assert.deepEqual(list.data.map((m: { id: string }) => m.id), ["tiny-sd"]);
    const res = await get("/v1/models/tiny-sd");
    assert.equal(res.status, 200);
    const manifest = await res.json();
    assert.equal(manifest.id, "tiny-sd");
    assert.equal(manifest.embeddingDim, 32);
    const unet = manifest.components.unet.model;
    assert.equal(unet.url, `${server.url}/v1/models/tiny-sd/files/${unet.sha256}/unet/model.onnx`);
    assert.equal(manifest.files.length, 5);
    for (const file of manifest.files) assert.ok(file.url.includes(file.sha256));
    const missing = await get("/v1/models/nope");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "model_not_found");
  } finally {
    await server.close();
  }
});

Deno.test("model files are content-addressed, immutable, ETagged and verified by their sha256", async () => {
  const { server, get } = await setup();
  try {
    const manifest = await (await get("/v1/models/tiny-sd")).json();
    const vae = manifest.components.vae_decoder.model;
    const anonymous = await fetch(vae.url);
    assert.equal(anonymous.status, 401, "model files need a key too");
    await anonymous.body?.cancel();
    const path = new URL(vae.url).pathname;
    const full = await get(path);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
    assert.equal(full.headers.get("ETag"), `"${vae.sha256}"`);
    assert.equal(full.headers.get("Accept-Ranges"), "bytes");
    const bytes = new Uint8Array(await full.arrayBuffer());
    assert.equal(bytes.length, vae.bytes);
    assert.equal(await sha256(bytes), vae.sha256);
    const onDisk = await Deno.readFile(`${FIXTURE_ROOT}/vae_decoder/model.onnx`);
    assert.deepEqual(bytes, onDisk);

    const notModified = await get(path, { "If-None-Match": `"${vae.sha256}"` });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get("ETag"), `"${vae.sha256}"`);
    await notModified.body?.cancel();

    const head = await get(path, {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("Content-Length"), String(vae.bytes));
    await head.body?.cancel();

    const stale = await get(path.replace(vae.sha256, "0".repeat(64)));
    assert.equal(stale.status, 404);
    assert.equal((await stale.json()).error.code, "file_not_found");
  } finally {
    await server.close();
  }
});

Deno.test("model files honour Range: first, middle and suffix ranges; 416 past the end", async () => {
  const { server, get } = await setup();
  try {
    const manifest = await (await get("/v1/models/tiny-sd")).json();
    const file = manifest.components.text_encoder.model;
    const path = new URL(file.url).pathname;
    const onDisk = await Deno.readFile(`${FIXTURE_ROOT}/text_encoder/model.onnx`);
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000000-1065535", 1_000_000, 1_065_535],
      ["bytes=-500", onDisk.length - 500, onDisk.length - 1],
      [`bytes=${onDisk.length - 10}-`, onDisk.length - 10, onDisk.length - 1],
      [`bytes=10-${onDisk.length + 100}`, 10, onDisk.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(path, { Range: range });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("Content-Range"), `bytes ${start}-${end}/${onDisk.length}`);
      const body = new Uint8Array(await res.arrayBuffer());
      assert.deepEqual(body, onDisk.subarray(start, end + 1), range);
    }
    const past = await get(path, { Range: `bytes=${onDisk.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get("Content-Range"), `bytes */${onDisk.length}`);
    assert.equal((await past.json()).error.code, "range_not_satisfiable");
    const ifRange = await get(path, { Range: "bytes=0-9", "If-Range": '"other"' });
    assert.equal(ifRange.status, 200, "a failed If-Range gets the whole file");
    await ifRange.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("rangeOf() follows RFC 9110 byte-range rules", () => {
  const file = { path: "x", bytes: 100, sha256: "ab" };
  assert.equal(rangeOf(undefined, undefined, file), null);
  assert.deepEqual(rangeOf("bytes=0-0", undefined, file), { start: 0, end: 0 });
  assert.deepEqual(rangeOf("bytes=-1", undefined, file), { start: 99, end: 99 });
  assert.deepEqual(rangeOf("bytes=-1000", undefined, file), { start: 0, end: 99 });
  assert.equal(rangeOf("bytes=-0", undefined, file), "unsatisfiable");
  assert.equal(rangeOf("bytes=100-", undefined, file), "unsatisfiable");
  assert.equal(rangeOf("bytes=0-1,5-6", undefined, file), null, "multi-range: whole file");
  assert.equal(rangeOf("items=0-1", undefined, file), null);
  assert.deepEqual(rangeOf("bytes=5-9", '"ab"', file), { start: 5, end: 9 });
});

Deno.test("GET /v1/models/:id lists a file its manifest names twice once", async () => {
  // A variant that reuses the default UNet file (as a float32 variant of a float32 model does).
  const manifest = await fixtureManifest();
  const twice = { ...manifest, variants: { fp32: { unet: manifest.components.unet } } };
  const catalog = createLocalCatalog(["tiny-sd"], {
    load: () => Promise.resolve({ manifest: twice, root: FIXTURE_ROOT }),
  });
  const { server, get } = await setup({ catalog });
  try {
    const served = await (await get("/v1/models/tiny-sd")).json();
    const paths = served.files.map((file: { path: string }) => file.path);
    assert.deepEqual(paths, [...new Set(paths)]);
    assert.equal(paths.length, 5);
    assert.ok(served.variants.fp32.unet.model.url.endsWith("/unet/model.onnx"));
  } finally {
    await server.close();
  }
});
