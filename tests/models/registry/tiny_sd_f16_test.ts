import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ModelManifest } from "../../../shared/manifest.ts";
import {
  EMBEDDED_MODELS,
  ensureEmbedded,
  tinySd,
  tinySdF16,
} from "../../../models/registry/mod.ts";
import { initializerBytes } from "./_onnx.ts";

const NETWORKS = ["text_encoder", "unet", "vae_decoder", "vae_encoder"] as const;

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

async function readManifest(dir: string): Promise<ModelManifest> {
  return JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
}

// Both variants built once, side by side in one cache (each build takes well under a second).
const cache = await Deno.makeTempDir({ prefix: "tiny-sd-f16-" });
const full = await ensureEmbedded(tinySd, `${cache}/tiny-sd`);
const half = await ensureEmbedded(tinySdF16, `${cache}/tiny-sd-f16`);
globalThis.addEventListener("unload", () => Deno.removeSync(cache, { recursive: true }));

Deno.test("tiny-sd-f16 is an embedded model with its own recipe, distinct from tiny-sd's", async () => {
  assert.equal(EMBEDDED_MODELS["tiny-sd-f16"], tinySdF16);
  assert.equal(EMBEDDED_MODELS["tiny-sd"], tinySd);
  assert.notEqual(await tinySdF16.recipe(), await tinySd.recipe());
  assert.equal(await tinySdF16.recipe(), await tinySdF16.recipe());
  assert.notEqual(
    (await Deno.readTextFile(`${half}/.recipe`)).trim(),
    (await Deno.readTextFile(`${full}/.recipe`)).trim(),
  );
  assert.equal((await readManifest(half)).id, "tiny-sd-f16");
});

Deno.test("tiny-sd-f16: building twice gives byte-identical networks and manifest", async () => {
  const other = await Deno.makeTempDir({ prefix: "tiny-sd-f16-again-" });
  try {
    const again = await ensureEmbedded(tinySdF16, `${other}/tiny-sd-f16`);
    for (const path of [...NETWORKS.map((n) => `${n}/model.onnx`), "manifest.json"]) {
      assert.equal(await sha256(`${again}/${path}`), await sha256(`${half}/${path}`), path);
    }
  } finally {
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test(
  "tiny-sd-f16's manifest records float16 weights for the UNet and VAE, float32 for the text encoder",
  async () => {
    const manifest = await readManifest(half);
    const dtypes = Object.fromEntries(
      NETWORKS.map((n) => [n, manifest.components[n]?.weightDType]),
    );
    assert.deepEqual(dtypes, {
      text_encoder: "float32",
      unet: "float16",
      vae_decoder: "float16",
      vae_encoder: "float16",
    });
    // The pipeline feeds and reads float32 either way: the casts are inside the graphs.
    const reference = await readManifest(full);
    for (const name of NETWORKS) {
      const io = (m: ModelManifest) => {
        const c = m.components[name]!;
        return [...c.inputs, ...c.outputs].map((s) => `${s.name}:${s.dtype}`);
      };
      assert.deepEqual(io(manifest), io(reference), name);
    }
    assert.equal(reference.components.unet.weightDType, "float32");
  },
);

Deno.test("tiny-sd-f16's UNet and VAE files are about half tiny-sd's, the text encoder the same", async () => {
  const manifest = await readManifest(half);
  const reference = await readManifest(full);
  for (const name of ["unet", "vae_decoder", "vae_encoder"] as const) {
    const ratio = manifest.components[name]!.model.bytes / reference.components[name]!.model.bytes;
    assert.ok(ratio > 0.45 && ratio < 0.56, `${name}: ${ratio.toFixed(3)} of the float32 size`);
  }
  assert.equal(
    await sha256(`${half}/text_encoder/model.onnx`),
    await sha256(`${full}/text_encoder/model.onnx`),
  );
});

Deno.test("tiny-sd-f16 holds tiny-sd's weights, each rounded to the nearest float16", async () => {
  for (const name of ["unet", "vae_decoder"] as const) {
    const f32 = initializerBytes(await Deno.readFile(`${full}/${name}/model.onnx`));
    const f16 = initializerBytes(await Deno.readFile(`${half}/${name}/model.onnx`));
    // Parameters carry diffusers' dotted names; the builders' own constants do not.
    const params = [...f32.keys()].filter((k) => /\.(weight|bias)$/.test(k));
    assert.ok(params.length > 50, `${name}: ${params.length} parameters`);
    for (const key of params) {
      const source = f32.get(key)!;
      const stored = f16.get(key);
      assert.ok(stored, `${name}: ${key} is missing`);
      const values = new Float32Array(source.slice().buffer);
      // The engine's own float32 → float16 conversion (round to nearest even) is the oracle.
      const expected = new Uint8Array(new Float16Array(values).buffer);
      assert.deepEqual(stored, expected, `${name}: ${key}`);
    }
  }
});

Deno.test("tiny-sd-f16 writes the UNet's and VAE's attention fused, as models convert does; tiny-sd keeps diffusers' standard ops", async () => {
  const hasFused = async (dir: string, network: string) =>
    new TextDecoder("latin1").decode(await Deno.readFile(`${dir}/${network}/model.onnx`))
      .includes("MultiHeadAttention");
  for (const network of ["unet", "vae_decoder", "vae_encoder"]) {
    assert.equal(await hasFused(half, network), true, network);
    assert.equal(await hasFused(full, network), false, network);
  }
  assert.equal(await hasFused(half, "text_encoder"), false, "causal attention stays standard");
});
