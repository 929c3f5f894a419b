import assert from "node:assert/strict";
import { buildUnet, buildVaeDecoder } from "../../../models/networks/mod.ts";
import { encodeModel } from "../../../models/onnx/mod.ts";
import { createRandomWeights } from "../../../models/weights/mod.ts";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { textToImage } from "../../../shared/pipeline/mod.ts";
import { randn } from "../../../shared/rng/mod.ts";

const CONFIGS = new URL("../../../models/configs/tiny-sd/", import.meta.url);
const readConfig = async (file: string) =>
  JSON.parse(await Deno.readTextFile(new URL(file, CONFIGS))) as Record<string, unknown>;

Deno.test("a tiny model exported with float16 I/O and weights matches the float32 one", async () => {
  const [unetConfig, vaeConfig, schedulerConfig] = await Promise.all([
    readConfig("unet.json"),
    readConfig("vae.json"),
    readConfig("scheduler_config.json"),
  ]);
  const weights = createRandomWeights({ seed: 0 });
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  const embeddings = {
    cond: randn([1, 77, 32], 1),
    uncond: randn([1, 77, 32], 2),
    shape: [1, 77, 32] as [1, number, number],
  };
  const render = async (dtype: "float32" | "float16") => {
    const options = { weightDType: dtype, ioDType: dtype } as const;
    const unet = await backend.createSession(
      encodeModel(buildUnet(unetConfig, weights, options)).model,
    );
    const vaeDecoder = await backend.createSession(
      encodeModel(buildVaeDecoder(vaeConfig, weights, options)).model,
    );
    assert.equal(unet.inputs.find((i) => i.name === "sample")?.dtype, dtype);
    assert.equal(vaeDecoder.outputs[0]?.dtype, dtype);
    const result = await textToImage({
      embeddings,
      scheduler: "euler",
      schedulerConfig,
      steps: 8,
      guidanceScale: 7.5,
      seed: 42,
      width: 64,
      height: 64,
    }, { unet, vaeDecoder, scalingFactor: 0.18215 });
    await unet.release();
    await vaeDecoder.release();
    return result.images[0]!.rgba;
  };
  try {
    const full = await render("float32");
    const half = await render("float16");
    let max = 0;
    let sum = 0;
    for (let i = 0; i < full.length; i++) {
      const d = Math.abs(full[i]! - half[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    console.log(
      `float16 vs float32 image: max ${max}/255, mean ${(sum / full.length).toFixed(3)}/255`,
    );
    // float16 keeps ~3 significant digits; a few /255 after 8 steps is the expected precision.
    assert.ok(sum / full.length <= 0.5, `mean difference ${sum / full.length}/255`);
    assert.ok(max <= 4, `max difference ${max}/255`);
  } finally {
    await backend.dispose();
  }
});
