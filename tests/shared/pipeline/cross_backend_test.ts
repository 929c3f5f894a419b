import assert from "node:assert/strict";
import type { Device } from "../../../shared/ort/mod.ts";
import { encodePrompt, textToImage } from "../../../shared/pipeline/mod.ts";
import { webgpuUnavailable } from "../ort/_webgpu.ts";
import { maxAbsDiff, openReference } from "./_reference.ts";

// Small on purpose: WebGPU runs on a software adapter here (≈ 1 s per UNet run).
const STEPS = 3;

async function render(device: Device): Promise<Uint8ClampedArray[]> {
  const reference = await openReference([device]);
  try {
    assert.equal(reference.backend.device, device);
    const { pipeline } = reference;
    const embeddings = await encodePrompt(pipeline, {
      prompt: "a red circle",
      negativePrompt: "blurry",
    });
    const images: Uint8ClampedArray[] = [];
    for (let run = 0; run < 2; run++) {
      const result = await textToImage({
        embeddings,
        scheduler: "ddim",
        schedulerConfig: pipeline.manifest.schedulerConfig,
        steps: STEPS,
        guidanceScale: 7.5,
        seed: 1234,
        width: 64,
        height: 64,
      }, { unet: pipeline.unet, vaeDecoder: pipeline.vaeDecoder, scalingFactor: 0.18215 });
      images.push(result.images[0]!.rgba);
    }
    return images;
  } finally {
    await reference.dispose();
  }
}

Deno.test(
  "the same seed gives identical pixels per backend and ≤ 2/255 apart across backends",
  async () => {
    const devices: Device[] = ["cpu", "wasm"];
    if (webgpuUnavailable === null) devices.push("webgpu");
    else console.log(`WebGPU left out of the comparison: ${webgpuUnavailable}`);
    const images = new Map<Device, Uint8ClampedArray>();
    for (const device of devices) {
      const [first, second] = await render(device);
      assert.deepEqual(second, first, `${device} is not deterministic`);
      images.set(device, first!);
    }
    const cpu = images.get("cpu")!;
    const diffs = devices.slice(1).map((device) => [device, maxAbsDiff(images.get(device)!, cpu)]);
    console.log(
      `max per-channel difference vs onnxruntime-node cpu: ${
        JSON.stringify(Object.fromEntries(diffs))
      }`,
    );
    for (const [device, diff] of diffs) {
      assert.ok(Number(diff) <= 2, `${device} differs by ${diff}`);
    }
  },
);
