import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpuSession, tensor } from "../../_ort.ts";
import { ensureEmbedded, tinySd } from "../../../models/registry/mod.ts";
import { readOnnxInfo } from "../../../models/registry/onnx_io.ts";
import { readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";
import { readGolden } from "../../_npy.ts";
import { initializerSizes, referenceTensors } from "./_onnx.ts";

const REFERENCE = "models/tiny-sd-reference";

async function hashTree(dir: string, rel = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(`${dir}/${rel}`)) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      for (const [k, v] of await hashTree(dir, path)) out.set(k, v);
    } else {
      const bytes = await Deno.readFile(`${dir}/${path}`);
      out.set(path, createHash("sha256").update(bytes).digest("hex"));
    }
  }
  return out;
}

// One build shared by the tests below (a build takes well under a second).
const cache = await Deno.makeTempDir({ prefix: "tiny-sd-" });
const started = performance.now();
const dir = await ensureEmbedded(tinySd, `${cache}/tiny-sd`);
const buildMs = performance.now() - started;
globalThis.addEventListener("unload", () => Deno.removeSync(cache, { recursive: true }));

Deno.test("tiny-sd builds in the standard ONNX layout plus manifest.json, in seconds", async () => {
  const files = [...(await hashTree(dir)).keys()].sort();
  assert.deepEqual(files, [
    ".recipe",
    "manifest.json",
    "model_index.json",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.onnx",
    "tokenizer/merges.txt",
    "tokenizer/special_tokens_map.json",
    "tokenizer/tokenizer_config.json",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/model.onnx",
    "vae_decoder/config.json",
    "vae_decoder/model.onnx",
    "vae_encoder/config.json",
    "vae_encoder/model.onnx",
  ]);
  assert.ok(buildMs < 20_000, `build took ${buildMs.toFixed(0)} ms`);
});

Deno.test("tiny-sd: building twice gives byte-identical files (sha256)", async () => {
  const other = await Deno.makeTempDir({ prefix: "tiny-sd-again-" });
  try {
    await ensureEmbedded(tinySd, `${other}/tiny-sd`);
    const first = await hashTree(dir);
    const second = await hashTree(`${other}/tiny-sd`);
    assert.deepEqual([...second.entries()].sort(), [...first.entries()].sort());
  } finally {
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("tiny-sd uses the reference model's configs, scheduler and the real CLIP vocabulary", async () => {
  const json = (path: string) => Deno.readTextFile(`${dir}/${path}`).then(JSON.parse);
  assert.deepEqual(
    await json("unet/config.json"),
    await readFixtureJson(`${REFERENCE}/unet/config.json`),
  );
  assert.deepEqual(
    await json("vae_decoder/config.json"),
    await readFixtureJson(`${REFERENCE}/vae_decoder/config.json`),
  );
  assert.deepEqual(
    await json("text_encoder/config.json"),
    await readFixtureJson(`${REFERENCE}/text_encoder/config.json`),
  );
  assert.deepEqual(
    await json("scheduler/scheduler_config.json"),
    await readFixtureJson(`${REFERENCE}/scheduler/scheduler_config.json`),
  );
  for (const name of ["vocab.json", "merges.txt"]) {
    assert.deepEqual(
      await Deno.readFile(`${dir}/tokenizer/${name}`),
      await readFixtureBytes(`clip/${name}`),
    );
  }
});

Deno.test("tiny-sd networks have the reference I/O and exactly the reference parameters", async () => {
  const cases = [
    {
      name: "text_encoder",
      checkpoint: "text_encoder/model.safetensors",
      prefix: "",
      count: 1_597_162,
    },
    {
      name: "unet",
      checkpoint: "unet/diffusion_pytorch_model.safetensors",
      prefix: "",
      count: 1_427_012,
    },
    {
      name: "vae_decoder",
      checkpoint: "vae/diffusion_pytorch_model.safetensors",
      prefix: "decoder.|post_quant_conv.",
      count: 633_719,
    },
    {
      name: "vae_encoder",
      checkpoint: "vae/diffusion_pytorch_model.safetensors",
      prefix: "encoder.|quant_conv.",
      count: 395_216,
    },
  ];
  for (const c of cases) {
    const built = await Deno.readFile(`${dir}/${c.name}/model.onnx`);
    const reference = readOnnxInfo(await readFixtureBytes(`${REFERENCE}/${c.name}/model.onnx`));
    const info = readOnnxInfo(built);
    const signature = (specs: typeof info.inputs) =>
      specs.map((s) => [s.name, s.dtype, s.shape.map((d) => (typeof d === "number" ? d : "dyn"))]);
    assert.deepEqual(signature(info.inputs), signature(reference.inputs), c.name);
    // The encoder also exports the whole latent distribution (mean ‖ log-variance) so image to
    // image samples it like diffusers; the reference export has the mean only.
    const extra = c.name === "vae_encoder"
      ? [["latent_parameters", "float32", ["dyn", 8, "dyn", "dyn"]]]
      : [];
    assert.deepEqual(signature(info.outputs), [...signature(reference.outputs), ...extra], c.name);
    const wanted = new RegExp(`^(${c.prefix.replaceAll(".", "\\.")})`);
    const params = [...(await referenceTensors(c.checkpoint))].filter(([k]) => wanted.test(k));
    const sizes = initializerSizes(built);
    for (const [name, shape] of params) {
      assert.equal(sizes.get(name), shape.reduce((a, b) => a * b, 1), `${c.name}: ${name}`);
    }
    assert.equal(params.reduce((sum, [, s]) => sum + s.reduce((a, b) => a * b, 1), 0), c.count);
  }
});

function channelStats(sample: Float32Array, channels: number): { mean: number; std: number }[] {
  const plane = sample.length / channels;
  return Array.from({ length: channels }, (_, c) => {
    const values = sample.subarray(c * plane, (c + 1) * plane);
    const mean = values.reduce((a, b) => a + b, 0) / plane;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / plane;
    return { mean, std: Math.sqrt(variance) };
  });
}

Deno.test("tiny-sd's random weights decode latents to a colourful, non-degenerate image", async () => {
  const session = await cpuSession(`${dir}/vae_decoder/model.onnx`);
  try {
    const latents = await readGolden(`vae_decoder.latent_sample.npy`);
    const input = tensor(latents.data as Float32Array, latents.shape);
    const output = await session.run({ latent_sample: input });
    const sample = output.sample!.data as Float32Array;
    assert.deepEqual(output.sample!.dims, [2, 3, 64, 64]);
    assert.ok(sample.every(Number.isFinite), "no NaN or Inf");
    const image = sample.subarray(0, 3 * 64 * 64);
    const stats = channelStats(image, 3);
    for (const { std } of stats) assert.ok(std > 0.1, `channel std ${std}`);
    const colours = new Set<number>();
    for (let i = 0; i < 64 * 64; i++) {
      const level = (c: number) =>
        Math.round(Math.min(1, Math.max(0, image[c * 4096 + i]! / 2 + 0.5)) * 15);
      colours.add(level(0) * 256 + level(1) * 16 + level(2));
    }
    assert.ok(colours.size > 200, `${colours.size} distinct colours`);
    // Not grey: the channels differ from each other pixel by pixel.
    let chroma = 0;
    for (let i = 0; i < 4096; i++) {
      const [r, g, b] = [image[i]!, image[4096 + i]!, image[8192 + i]!];
      chroma += Math.max(r, g, b) - Math.min(r, g, b);
    }
    assert.ok(chroma / 4096 > 0.2, `mean chroma ${chroma / 4096}`);
  } finally {
    await session.release();
  }
});

Deno.test("tiny-sd's text encoder and UNet give finite, prompt-dependent outputs", async () => {
  const text = await cpuSession(`${dir}/text_encoder/model.onnx`);
  const unet = await cpuSession(`${dir}/unet/model.onnx`);
  try {
    const ids = await readGolden(`text_encoder.input_ids.npy`);
    const encoded = await text.run({
      input_ids: tensor(ids.data as Int32Array, ids.shape),
    });
    const hidden = encoded.last_hidden_state!;
    assert.deepEqual(hidden.dims, [3, 77, 32]);
    const h = hidden.data as Float32Array;
    assert.ok(h.every(Number.isFinite));
    const row = 77 * 32;
    const diff = h.subarray(0, row).reduce((s, v, i) => s + Math.abs(v - h[row + i]!), 0);
    assert.ok(diff / row > 1e-3, "different prompts give different embeddings");
    const sample = await readGolden(`unet.t999_500.sample.npy`);
    const out = await unet.run({
      sample: tensor(sample.data as Float32Array, sample.shape),
      timestep: tensor(new BigInt64Array([999n, 500n]), [2]),
      encoder_hidden_states: tensor(h.slice(0, 2 * row), [2, 77, 32]),
    });
    const eps = out.out_sample!.data as Float32Array;
    assert.ok(eps.every(Number.isFinite));
    for (const { std } of channelStats(eps.subarray(0, 4 * 64), 4)) assert.ok(std > 0.05);
  } finally {
    await text.release();
    await unet.release();
  }
});
