import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { buildUnet } from "../../../models/networks/mod.ts";
import { encodeModel } from "../../../models/onnx/mod.ts";
import { openSafetensors } from "../../../models/weights/mod.ts";
import { fixturePath, readFixtureJson } from "../../_fixtures.ts";
import { readFixtureNpy } from "../../_npy.ts";

const MODEL = "inpaint/tiny-sd-inpaint/diffusers/unet";

interface NetworkCase {
  name: string;
  inputs: Record<string, { file: string }>;
  outputs: { out_sample: { file: string } };
  tolerance: { max_abs: number };
}

Deno.test("buildUnet() with in_channels 9 matches diffusers' inpainting UNet on both golden cases", async () => {
  const config = await readFixtureJson<Record<string, unknown>>(`${MODEL}/config.json`);
  assert.equal(config.in_channels, 9);
  const weights = await openSafetensors(
    fixturePath(`${MODEL}/diffusion_pytorch_model.safetensors`),
  );
  let model: Uint8Array;
  try {
    model = encodeModel(buildUnet(config, weights)).model;
  } finally {
    weights.close();
  }
  const session = await ort.InferenceSession.create(model, { executionProviders: ["cpu"] });
  try {
    const index = await readFixtureJson<{ network_cases: NetworkCase[] }>(
      "inpaint/golden/index.json",
    );
    assert.equal(index.network_cases.length, 2);
    for (const c of index.network_cases) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, { file }] of Object.entries(c.inputs)) {
        const array = await readFixtureNpy(`inpaint/golden/${file}`);
        feeds[name] = new ort.Tensor(array.dtype, array.data, array.shape);
      }
      assert.deepEqual(feeds.sample!.dims, [2, 9, 8, 8]);
      const { out_sample } = await session.run(feeds);
      const expected = await readFixtureNpy(`inpaint/golden/${c.outputs.out_sample.file}`);
      const actual = out_sample!.data as Float32Array;
      const golden = expected.data as Float32Array;
      const diff = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - golden[i]!)), 0);
      assert.ok(diff <= c.tolerance.max_abs, `${c.name}: max abs ${diff}`);
    }
  } finally {
    await session.release();
  }
});
