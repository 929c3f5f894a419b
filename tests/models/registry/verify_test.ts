import assert from "node:assert/strict";
import { loadModel, manifestFiles, verifyModel } from "../../../models/registry/mod.ts";
import { buildManifest } from "../../../models/registry/manifest.ts";
import { fixturePath } from "../../_fixtures.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "verify-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));

Deno.test("verifyModel() passes every file of an intact model", async () => {
  const model = await loadModel("tiny-sd", { cacheDir });
  const seen: string[] = [];
  const result = await verifyModel(model.root, model.manifest, {
    onFile: (check) => seen.push(check.path),
  });
  assert.equal(result.ok, true);
  assert.deepEqual(seen, manifestFiles(model.manifest).map((f) => f.path));
  assert.deepEqual(seen, [
    "text_encoder/model.onnx",
    "unet/model.onnx",
    "vae_decoder/model.onnx",
    "vae_encoder/model.onnx",
    "tokenizer/vocab.json",
    "tokenizer/merges.txt",
  ]);
});

Deno.test("verifyModel() reports a flipped byte, a truncated file and a missing file", async () => {
  const model = await loadModel("tiny-sd", { cacheDir });
  const root = model.root;
  const unet = await Deno.readFile(`${root}/unet/model.onnx`);
  unet[unet.length - 10] = unet[unet.length - 10]! ^ 1;
  await Deno.writeFile(`${root}/unet/model.onnx`, unet);
  await Deno.truncate(`${root}/tokenizer/merges.txt`, 100);
  await Deno.remove(`${root}/vae_encoder/model.onnx`);
  const result = await verifyModel(root, model.manifest);
  assert.equal(result.ok, false);
  const status = Object.fromEntries(result.files.map((f) => [f.path, f.status]));
  assert.deepEqual(status, {
    "text_encoder/model.onnx": "ok",
    "unet/model.onnx": "hash-mismatch",
    "vae_decoder/model.onnx": "ok",
    "vae_encoder/model.onnx": "missing",
    "tokenizer/vocab.json": "ok",
    "tokenizer/merges.txt": "size-mismatch",
  });
  const bad = result.files.find((f) => f.path === "unet/model.onnx")!;
  assert.notEqual(bad.actual?.sha256, bad.expected.sha256);
  assert.equal(bad.actual?.bytes, bad.expected.bytes);
  await Deno.remove(root, { recursive: true });
});

Deno.test("verifyModel() accepts the reference export against its own manifest", async () => {
  const root = fixturePath("models/tiny-sd-reference");
  const manifest = await buildManifest(root, { id: "reference" });
  assert.equal((await verifyModel(root, manifest)).ok, true);
  const tampered = structuredClone(manifest);
  tampered.tokenizer.vocab.sha256 = "0".repeat(64);
  const result = await verifyModel(root, tampered);
  assert.equal(result.ok, false);
  assert.equal(result.files.find((f) => f.status !== "ok")?.path, "tokenizer/vocab.json");
});

Deno.test("verifyModel() refuses a manifest path that leaves the model folder", async () => {
  const model = await loadModel("tiny-sd", { cacheDir });
  const evil = structuredClone(model.manifest);
  evil.tokenizer.vocab.path = "../../etc/passwd";
  await assert.rejects(verifyModel(model.root, evil), TypeError);
});
