import assert from "node:assert/strict";
import { buildManifest } from "../../../models/registry/manifest.ts";
import { fixturePath, readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";

const ROOT = "models/tiny-sd-reference";
const root = fixturePath(ROOT);

/** The fixture's own SHA256SUMS: the oracle for every hash in the manifest. */
async function sums(): Promise<Map<string, string>> {
  const text = new TextDecoder().decode(await readFixtureBytes(`${ROOT}/SHA256SUMS`));
  return new Map(
    text.trim().split("\n").map((line) => {
      const [hash, path] = line.split(/\s+/);
      return [path!, hash!];
    }),
  );
}

Deno.test("buildManifest() records every file with the size and sha256 of the reference layout", async () => {
  const manifest = await buildManifest(root, { id: "tiny-sd-reference", license: "MIT" });
  const expected = await sums();
  const files = [
    manifest.components.text_encoder.model,
    manifest.components.unet.model,
    manifest.components.vae_decoder.model,
    manifest.components.vae_encoder!.model,
    manifest.tokenizer.vocab,
    manifest.tokenizer.merges,
  ];
  assert.deepEqual(files.map((f) => f.path), [
    "text_encoder/model.onnx",
    "unet/model.onnx",
    "vae_decoder/model.onnx",
    "vae_encoder/model.onnx",
    "tokenizer/vocab.json",
    "tokenizer/merges.txt",
  ]);
  for (const file of files) assert.equal(file.sha256, expected.get(file.path), file.path);
  // Sizes from the fixture README's layout table.
  assert.deepEqual(files.map((f) => f.bytes), [
    6_444_849,
    6_356_605,
    2_641_197,
    1_671_549,
    862_328,
    524_619,
  ]);
  assert.equal(manifest.components.unet.externalData, undefined);
  assert.equal(manifest.components.safety_checker, undefined);
});

Deno.test("buildManifest() reads dimensions, scaling and defaults from the graphs and configs", async () => {
  const manifest = await buildManifest(root, { id: "ref", defaults: { steps: 10 } });
  assert.equal(manifest.id, "ref");
  assert.equal(manifest.family, "sd1");
  assert.equal(manifest.license, "unknown");
  assert.equal(manifest.embeddingDim, 32);
  assert.equal(manifest.latentChannels, 4);
  assert.equal(manifest.scalingFactor, 0.18215);
  assert.equal(manifest.vaeScaleFactor, 8);
  assert.equal(manifest.tokenizer.maxLength, 77);
  assert.deepEqual(manifest.defaults, {
    steps: 10,
    guidanceScale: 7.5,
    width: 64,
    height: 64,
    scheduler: "PNDMScheduler",
  });
  assert.deepEqual(
    manifest.schedulerConfig,
    await readFixtureJson(`${ROOT}/scheduler/scheduler_config.json`),
  );
  assert.deepEqual(manifest.components.text_encoder.inputs, [
    { name: "input_ids", dtype: "int32", shape: ["batch", "sequence"] },
  ]);
});

async function copyLayout(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "manifest-" });
  for (
    const path of [
      "scheduler/scheduler_config.json",
      "tokenizer/vocab.json",
      "tokenizer/merges.txt",
      "text_encoder/model.onnx",
      "unet/model.onnx",
      "vae_decoder/model.onnx",
    ]
  ) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(`${root}/${path}`, `${dir}/${path}`);
  }
  return dir;
}

Deno.test("buildManifest() names the missing file of an incomplete layout", async () => {
  const dir = await copyLayout();
  try {
    await Deno.remove(`${dir}/tokenizer/merges.txt`);
    await assert.rejects(buildManifest(dir, { id: "x" }), /'tokenizer\/merges\.txt' is missing/);
    await Deno.remove(`${dir}/unet`, { recursive: true });
    await assert.rejects(buildManifest(dir, { id: "x" }), /'unet\/model\.onnx' is missing/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildManifest() refuses a network whose I/O names the pipeline cannot drive", async () => {
  const dir = await copyLayout();
  try {
    // A VAE decoder where the UNet should be: no 'sample'/'timestep' inputs.
    await Deno.copyFile(`${root}/vae_decoder/model.onnx`, `${dir}/unet/model.onnx`);
    await assert.rejects(
      buildManifest(dir, { id: "x" }),
      /Cannot use 'unet\/model\.onnx' as the unet: it has no input 'sample' \(found latent_sample\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildManifest() without configs falls back to SD 1.x values and the graph shapes", async () => {
  const dir = await copyLayout();
  try {
    const manifest = await buildManifest(dir, { id: "bare" });
    assert.equal(manifest.embeddingDim, 32);
    assert.equal(manifest.latentChannels, 4);
    assert.equal(manifest.scalingFactor, 0.18215);
    assert.equal(manifest.vaeScaleFactor, 8);
    assert.equal(manifest.defaults.width, 512);
    assert.equal(manifest.components.vae_encoder, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
