import assert from "node:assert/strict";
import {
  findModel,
  listLocalModels,
  listModels,
  loadModel,
  ModelIntegrityError,
  ModelNotFoundError,
} from "../../../models/registry/mod.ts";
import { pullModel } from "../../../models/hub/pull.ts";
import { startHubServer } from "../hub/_hub_server.ts";
import { tinyRepoFiles } from "../hub/_tiny_repo.ts";

async function withCache(body: (cacheDir: string) => Promise<void>): Promise<void> {
  const cacheDir = await Deno.makeTempDir({ prefix: "registry-" });
  try {
    await body(cacheDir);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("loadModel('tiny-sd') builds the model into the cache on first use, then reuses it", async () => {
  await withCache(async (cacheDir) => {
    const events: string[] = [];
    const model = await loadModel("tiny-sd", {
      cacheDir,
      onProgress: (event) => event.type === "build" && events.push(event.stage),
    });
    assert.equal(model.root, `${cacheDir}/tiny-sd`);
    assert.equal(model.manifest.id, "tiny-sd");
    assert.deepEqual(events, [
      "text_encoder/model.onnx",
      "unet/model.onnx",
      "vae_decoder/model.onnx",
      "vae_encoder/model.onnx",
      "done",
    ]);
    const unet = await model.readFile(model.manifest.components.unet.model.path);
    assert.equal(unet.byteLength, model.manifest.components.unet.model.bytes);
    const before = (await Deno.stat(`${cacheDir}/tiny-sd/unet/model.onnx`)).mtime;
    events.length = 0;
    const again = await loadModel("tiny-sd", { cacheDir });
    assert.deepEqual(again.manifest, model.manifest);
    assert.deepEqual(events, []);
    assert.deepEqual((await Deno.stat(`${cacheDir}/tiny-sd/unet/model.onnx`)).mtime, before);
  });
});

Deno.test("loadModel('tiny-sd') called concurrently builds once and leaves no temporary folders", async () => {
  await withCache(async (cacheDir) => {
    const models = await Promise.all([1, 2, 3].map(() => loadModel("tiny-sd", { cacheDir })));
    assert.ok(models.every((m) => m.root === `${cacheDir}/tiny-sd`));
    const names = [];
    for await (const entry of Deno.readDir(cacheDir)) names.push(entry.name);
    assert.deepEqual(names, ["tiny-sd"]);
  });
});

Deno.test("loadModel('tiny-sd') rebuilds a damaged build instead of failing", async () => {
  await withCache(async (cacheDir) => {
    const model = await loadModel("tiny-sd", { cacheDir });
    const path = `${model.root}/vae_decoder/model.onnx`;
    await Deno.truncate(path, 1000);
    const repaired = await loadModel("tiny-sd", { cacheDir });
    assert.equal(
      (await Deno.stat(path)).size,
      repaired.manifest.components.vae_decoder.model.bytes,
    );
  });
});

Deno.test("LocalModel.readFile() refuses paths that leave the model folder", async () => {
  await withCache(async (cacheDir) => {
    const model = await loadModel("tiny-sd", { cacheDir });
    await assert.rejects(model.readFile("../tiny-sd/manifest.json"), TypeError);
    await assert.rejects(model.readFile("/etc/passwd"), TypeError);
  });
});

Deno.test("loadModel('org/name') finds a pulled model in the hub-layout cache", async () => {
  const server = startHubServer({ repo: "org/tiny", files: await tinyRepoFiles() });
  try {
    await withCache(async (cacheDir) => {
      await assert.rejects(
        loadModel("org/tiny", { cacheDir }),
        (error: unknown) =>
          error instanceof ModelNotFoundError &&
          /run 'deno task models pull org\/tiny'/.test(error.message),
      );
      const pulled = await pullModel("org/tiny", { cacheDir, hubUrl: server.url });
      const model = await loadModel("org/tiny", { cacheDir });
      assert.equal(model.root, pulled.root);
      assert.deepEqual(model.manifest, pulled.manifest);
      const data = await model.readFile(model.manifest.components.unet.externalData!.path);
      assert.equal(data.byteLength, model.manifest.components.unet.externalData!.bytes);
      const byCommit = await loadModel(`org/tiny@${server.commit}`, { cacheDir });
      assert.equal(byCommit.root, pulled.root);
      await assert.rejects(loadModel("org/tiny@other-branch", { cacheDir }), ModelNotFoundError);
    });
  } finally {
    await server.close();
  }
});

Deno.test("loadModel('org/name', { pull }) downloads a model missing from the cache", async () => {
  const server = startHubServer({ repo: "org/tiny", files: await tinyRepoFiles() });
  try {
    await withCache(async (cacheDir) => {
      const events = new Set<string>();
      const model = await loadModel("org/tiny", {
        cacheDir,
        pull: { hubUrl: server.url },
        onProgress: (event) => events.add(event.type),
      });
      assert.equal(model.manifest.source?.revision, server.commit);
      assert.ok(events.has("resolve") && events.has("download"));
    });
  } finally {
    await server.close();
  }
});

Deno.test("loadModel() reports a pulled model whose files were damaged", async () => {
  const server = startHubServer({ repo: "org/tiny", files: await tinyRepoFiles() });
  try {
    await withCache(async (cacheDir) => {
      const { root } = await pullModel("org/tiny", { cacheDir, hubUrl: server.url });
      await Deno.remove(`${root}/text_encoder/model.onnx`);
      await assert.rejects(
        loadModel("org/tiny", { cacheDir }),
        (error: unknown) =>
          error instanceof ModelIntegrityError &&
          /'text_encoder\/model\.onnx' is missing .* \(run 'deno task models verify org\/tiny'\)/
            .test(
              error.message,
            ),
      );
    });
  } finally {
    await server.close();
  }
});

Deno.test("loadModel() opens a model folder by path or by its name in the cache", async () => {
  await withCache(async (cacheDir) => {
    const tiny = await loadModel("tiny-sd", { cacheDir });
    await Deno.rename(tiny.root, `${cacheDir}/my-model`);
    const byName = await loadModel("my-model", { cacheDir });
    assert.equal(byName.manifest.id, "tiny-sd");
    const byPath = await loadModel(`${cacheDir}/my-model`);
    assert.equal(byPath.root, await Deno.realPath(`${cacheDir}/my-model`));
  });
});

Deno.test("loadModel() rejects unknown ids with a ModelNotFoundError naming the choices", async () => {
  await withCache(async (cacheDir) => {
    await assert.rejects(
      loadModel("nope", { cacheDir }),
      (error: unknown) =>
        error instanceof ModelNotFoundError && error.id === "nope" &&
        /not an embedded model \(toy-shapes, tiny-sd, tiny-sd-f16\), a pulled hub repository/.test(
          error.message,
        ),
    );
    await assert.rejects(loadModel("./does-not-exist", { cacheDir }), ModelNotFoundError);
    await assert.rejects(loadModel("", { cacheDir }), TypeError);
  });
});

Deno.test("listModels() lists built and pulled models without building anything", async () => {
  const server = startHubServer({ repo: "org/tiny", files: await tinyRepoFiles() });
  try {
    await withCache(async (cacheDir) => {
      assert.deepEqual(await listModels({ cacheDir }), []);
      await assert.rejects(findModel("tiny-sd", { cacheDir }), /not built yet/);
      await loadModel("tiny-sd", { cacheDir });
      await pullModel("org/tiny", { cacheDir, hubUrl: server.url });
      const entries = await listLocalModels({ cacheDir });
      assert.deepEqual(entries.map((e) => [e.id, e.kind]), [
        [`org/tiny@${server.commit}`, "hub"],
        ["tiny-sd", "embedded"],
      ]);
      assert.deepEqual((await listModels({ cacheDir })).map((m) => m.id).sort(), [
        "org/tiny",
        "tiny-sd",
      ]);
    });
  } finally {
    await server.close();
  }
});
