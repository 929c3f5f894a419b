import assert from "node:assert/strict";
import { createApi } from "../../../client/sdk/_http.ts";
import { SdClientError } from "../../../client/sdk/errors.ts";
import {
  fetchModelFile,
  MODEL_CACHE_NAME,
  type RemoteModelFile,
} from "../../../client/sdk/model_files.ts";
import { startApi } from "../_api.ts";

async function setup() {
  const server = await startApi({ workers: 0 });
  const api = createApi({ baseUrl: server.url, key: server.secretKey, fetch });
  const manifest = await api.json<{ components: { unet: { model: RemoteModelFile } } }>(
    "/v1/models/tiny-sd",
  );
  await caches.delete(MODEL_CACHE_NAME);
  const downloads = () => server.requests.filter((r) => r.includes("/files/")).length;
  return { server, api, unet: manifest.components.unet.model, downloads };
}

Deno.test("fetchModelFile() downloads with progress, verifies and then serves the file from the cache", async () => {
  const { server, api, unet, downloads } = await setup();
  try {
    const expected = await server.model.readFile(unet.path);
    const progress: [number, number, boolean][] = [];
    const first = await fetchModelFile(unet, {
      api,
      caches,
      onProgress: (loaded, total, cached) => progress.push([loaded, total, cached]),
    });
    assert.deepEqual(first, expected);
    assert.equal(downloads(), 1);
    assert.ok(progress.length >= 1);
    assert.deepEqual(progress.at(-1), [expected.byteLength, expected.byteLength, false]);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]![0] >= progress[i - 1]![0]);

    const events: boolean[] = [];
    const second = await fetchModelFile(unet, {
      api,
      caches,
      onProgress: (_l, _t, cached) => events.push(cached),
    });
    assert.deepEqual(second, expected);
    assert.equal(downloads(), 1, "the second read must not download");
    assert.deepEqual(events, [true]);
  } finally {
    await caches.delete(MODEL_CACHE_NAME);
    await server.close();
  }
});

Deno.test("fetchModelFile() rejects bytes that do not match the manifest's sha256 and caches nothing", async () => {
  const { server, api, unet, downloads } = await setup();
  try {
    // The server serves the file only at its real digest, so lie about the size instead.
    const wrongSize = { ...unet, bytes: unet.bytes + 1 };
    await assert.rejects(
      fetchModelFile(wrongSize, { api, caches }),
      (error) => error instanceof SdClientError && error.code === "integrity_error",
    );
    const cache = await caches.open(MODEL_CACHE_NAME);
    assert.equal(await cache.match(unet.url), undefined);
    const wrongHash = { ...unet, url: unet.url };
    const digest = wrongHash.sha256;
    wrongHash.sha256 = digest.replace(/^./, digest[0] === "0" ? "1" : "0");
    await assert.rejects(
      fetchModelFile(wrongHash, { api, caches }),
      (error) =>
        error instanceof SdClientError && error.code === "integrity_error" &&
        error.message.includes("does not match its manifest checksum"),
    );
    assert.equal(downloads(), 2);
  } finally {
    await caches.delete(MODEL_CACHE_NAME);
    await server.close();
  }
});

Deno.test("fetchModelFile() still returns the file when storage is too short to cache it", async () => {
  const { server, api, unet, downloads } = await setup();
  try {
    const storage = { estimate: () => Promise.resolve({ quota: 1024, usage: 512 }) };
    const first = await fetchModelFile(unet, { api, caches, storage });
    assert.equal(first.byteLength, unet.bytes);
    await fetchModelFile(unet, { api, caches, storage });
    assert.equal(downloads(), 2, "nothing was cached, so both reads download");
    const failing = {
      open: () =>
        Promise.resolve({
          match: () => Promise.resolve(undefined),
          put: () => {
            return Promise.reject(new DOMException("full", "QuotaExceededError"));
          },
        } as unknown as Cache),
    } as unknown as CacheStorage;
    const third = await fetchModelFile(unet, { api, caches: failing });
    assert.equal(third.byteLength, unet.bytes);
  } finally {
    await caches.delete(MODEL_CACHE_NAME);
    await server.close();
  }
});
