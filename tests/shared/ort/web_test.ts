import assert from "node:assert/strict";
import { createBackend, type HostTensor } from "../../../shared/ort/mod.ts";
import { fixturePath } from "../../_fixtures.ts";
import { type NpyArray, readGolden } from "../../_npy.ts";
import { scaleAddModel } from "./_tiny_onnx.ts";
import { webgpuUnavailable } from "./_webgpu.ts";

function tensor(npy: NpyArray): HostTensor {
  return { data: npy.data, dims: npy.shape };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

Deno.test("onnxruntime-web wasm converts float16 feeds and outputs at the boundary", async () => {
  const backend = await createBackend({ devices: ["wasm"] });
  try {
    const session = await backend.createSession(
      scaleAddModel({ value: "float16", timestep: "int32", timestepShape: [], batch: "batch" }),
    );
    const out = await session.run({
      x: { data: Float32Array.of(0.1, 1 / 3, -1.5, 100.7, -0.001, 7.77), dims: [2, 3] },
      t: { data: Float32Array.of(3), dims: [] },
    });
    // numpy: (x.astype(f16).astype(f32) * 2 + 3).astype(f16)
    assert.deepEqual([...out.y!.data], [
      3.19921875,
      3.666015625,
      0,
      204.375,
      2.998046875,
      18.53125,
    ]);
  } finally {
    await backend.dispose();
  }
});

Deno.test({
  name: "onnxruntime-web webgpu gives the UNet golden output with embeddings kept in a GPU buffer",
  ignore: webgpuUnavailable !== null,
  async fn() {
    const backend = await createBackend({ devices: ["webgpu"] });
    try {
      assert.equal(backend.device, "webgpu");
      const unet = await backend.createSession(
        await Deno.readFile(fixturePath("models/tiny-sd-reference/unet/model.onnx")),
      );
      const hidden = await unet.createDeviceTensor(
        "encoder_hidden_states",
        tensor(await readGolden("unet.t999_500.encoder_hidden_states.npy")),
      );
      assert.equal(hidden.location, "gpu-buffer");
      const expected = await readGolden("unet.t999_500.out_sample.npy");
      const out = await unet.run({
        sample: tensor(await readGolden("unet.t999_500.sample.npy")),
        timestep: { data: Float32Array.of(999, 500), dims: [2] },
        encoder_hidden_states: hidden,
      });
      const diff = maxAbsDiff(out.out_sample!.data as Float32Array, expected.data as Float32Array);
      console.log(`webgpu UNet max abs diff vs golden: ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4);
      hidden.dispose();
    } finally {
      await backend.dispose();
    }
  },
});

Deno.test({
  name: "a webgpu backend hands out the GPUDevice its sessions run on; wasm has none",
  ignore: webgpuUnavailable !== null,
  async fn() {
    const gpu = await createBackend({ devices: ["webgpu"] });
    const wasm = await createBackend({ devices: ["wasm"] });
    try {
      await gpu.createSession(
        await Deno.readFile(fixturePath("models/tiny-sd-reference/vae_decoder/model.onnx")),
      );
      const device = await gpu.gpuDevice();
      assert.ok(device !== null);
      assert.equal(typeof device.destroy, "function");
      assert.ok(device.lost instanceof Promise);
      assert.equal(await gpu.gpuDevice(), device, "the same device while sessions live");
      // Destroying it is a device loss the caller can see.
      device.destroy();
      assert.equal((await device.lost).reason, "destroyed");
      assert.equal(await wasm.gpuDevice(), null);
    } finally {
      await gpu.dispose();
      await wasm.dispose();
    }
  },
});
