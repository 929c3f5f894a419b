import assert from "node:assert/strict";
import { loadModel } from "../../../models/registry/mod.ts";
import { createBackend, type Device } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { generate, loadPipeline } from "../../../shared/pipeline/mod.ts";
import { webgpuUnavailable } from "../../shared/ort/_webgpu.ts";
import { nativeWebGpuAdapter, nativeWebGpuUnavailable } from "../../shared/ort/_native_webgpu.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "tiny-sd-f16-pipeline-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));

const REQUEST = { prompt: "a red circle", negativePrompt: "blurry", seed: 42, steps: 10 };

async function noShaderF16(): Promise<string | null> {
  if (webgpuUnavailable !== null) return webgpuUnavailable;
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<GPUAdapter | null> } }).gpu;
  const adapter = await gpu?.requestAdapter();
  return adapter?.features.has("shader-f16") ? null : "the WebGPU adapter lacks 'shader-f16'";
}

/**
 * Renders `REQUEST` with the model `id` on `device`; WebGPU goes through onnxruntime-web unless
 * `native` asks for onnxruntime-node's own WebGPU provider.
 */
async function render(id: string, device: Device, native = false): Promise<Uint8ClampedArray> {
  const model = await loadModel(id, { cacheDir });
  const backend = await createBackend({
    devices: [device],
    ...(device === "cpu" || native ? { runtimes: [nodeRuntime()] } : {}),
  });
  try {
    assert.equal(backend.device, device);
    const pipeline = await loadPipeline(model.manifest, {
      backend,
      readFile: (path) => model.readFile(path),
    });
    try {
      return (await generate(pipeline, REQUEST)).images[0]!.rgba;
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await backend.dispose();
  }
}

/** Max and mean absolute difference over the colour channels, in /255. */
function difference(a: Uint8ClampedArray, b: Uint8ClampedArray): { max: number; mean: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / (a.length * 0.75) };
}

const show = (d: { max: number; mean: number }) =>
  `max ${d.max}/255, mean ${d.mean.toFixed(3)}/255`;

let referenceImage: Promise<Uint8ClampedArray> | undefined;
/** The float32 image every float16 render is held to: tiny-sd on onnxruntime-node's CPU. */
function reference(): Promise<Uint8ClampedArray> {
  return referenceImage ??= render("tiny-sd", "cpu");
}

Deno.test("tiny-sd-f16 on onnxruntime-node's CPU draws tiny-sd's image within 2/255", async () => {
  const d = difference(await render("tiny-sd-f16", "cpu"), await reference());
  console.log(`tiny-sd-f16 (onnxruntime-node cpu) vs tiny-sd (cpu): ${show(d)}`);
  // The CPU provider runs most float16 ops through float32 kernels, so what differs is mainly
  // the weights' rounding (relative 2^-11): within a level or two of 255 per channel.
  assert.ok(d.max <= 2, `max difference ${d.max}/255`);
  assert.ok(d.mean <= 0.25, `mean difference ${d.mean}/255`);
});

const skip = await noShaderF16();
if (skip) console.log(`Skipping the float16 WebGPU render: ${skip}`);

Deno.test({
  name: "tiny-sd-f16 on onnxruntime-web WebGPU (float16 compute) draws tiny-sd's image within " +
    "16/255, 1.5/255 on average",
  ignore: skip !== null,
  async fn() {
    const d = difference(await render("tiny-sd-f16", "webgpu"), await reference());
    console.log(
      `tiny-sd-f16 (onnxruntime-web webgpu) vs tiny-sd (onnxruntime-node cpu): ${show(d)}`,
    );
    // Every op rounds to 11 significant bits, through ~11 UNet runs whose guided noise estimate
    // (cond + 7.5 × (cond - uncond)) amplifies the difference, then the VAE. Four seed/prompt
    // pairs measured max 4–9/255, mean 0.58–0.87/255 on llvmpipe; the bound leaves about 2×
    // headroom for other adapters' accumulation order. A broken float16 path (a wrong weight,
    // an overflow to Inf, a missing cast) moves the mean by tens of levels: this image's
    // channels have a standard deviation above 20/255.
    assert.ok(d.max <= 16, `max difference ${d.max}/255`);
    assert.ok(d.mean <= 1.5, `mean difference ${d.mean}/255`);
  },
});

Deno.test({
  name: "tiny-sd-f16 on onnxruntime-node's native WebGPU provider draws tiny-sd's image within " +
    "16/255, 1.5/255 on average",
  ignore: nativeWebGpuUnavailable !== null,
  async fn() {
    let image: Uint8ClampedArray;
    try {
      image = await render("tiny-sd-f16", "webgpu", true);
    } catch (error) {
      // SwiftShader has no float16 shaders: the provider must refuse plainly, not draw garbage.
      const message = error instanceof Error ? error.message : String(error);
      assert.match(message, /requires f16 but the device does not support it/);
      console.log(`the adapter has no float16 shaders (${nativeWebGpuAdapter}): ${message}`);
      return;
    }
    const d = difference(image, await reference());
    console.log(
      `tiny-sd-f16 (onnxruntime-node webgpu) vs tiny-sd (onnxruntime-node cpu): ${show(d)}`,
    );
    // The bounds of the onnxruntime-web case above, for the same reasons.
    assert.ok(d.max <= 16, `max difference ${d.max}/255`);
    assert.ok(d.mean <= 1.5, `mean difference ${d.mean}/255`);
  },
});
