/**
 * Graphs built with `fusedAttention` run on onnxruntime-web too (the browser's runtime): the
 * reference UNet and VAE decoder with `com.microsoft` `MultiHeadAttention` give diffusers' golden
 * outputs on WebGPU (Deno's adapter, llvmpipe without a GPU) and on single-threaded wasm.
 */
import assert from "node:assert/strict";
import { buildUnet, buildVaeDecoder } from "../../../models/networks/mod.ts";
import type { WeightSource } from "../../../models/onnx/mod.ts";
import {
  type Backend,
  createBackend,
  type Device,
  type HostTensor,
} from "../../../shared/ort/mod.ts";
import { type NpyArray, readGolden } from "../../_npy.ts";
import { webgpuUnavailable } from "../../shared/ort/_webgpu.ts";
import { referenceModel } from "./_reference.ts";

function tensor(npy: NpyArray): HostTensor {
  return { data: npy.data, dims: npy.shape };
}

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  }
  return max;
}

const builders = (fusedAttention: boolean) => ({
  unet: (config: Record<string, unknown>, weights: WeightSource) =>
    buildUnet(config, weights, { fusedAttention }),
  vae: (config: Record<string, unknown>, weights: WeightSource) =>
    buildVaeDecoder(config, weights, { fusedAttention }),
});

/** The UNet (t999_500) and VAE decoder golden cases on `backend`, with or without fusion. */
async function runReference(backend: Backend, fusedAttention: boolean) {
  const build = builders(fusedAttention);
  const unet = await backend.createSession(await referenceModel("unet", build.unet));
  const { out_sample } = await unet.run({
    sample: tensor(await readGolden("unet.t999_500.sample.npy")),
    timestep: { data: Float32Array.of(999, 500), dims: [2] },
    encoder_hidden_states: tensor(await readGolden("unet.t999_500.encoder_hidden_states.npy")),
  });
  await unet.release();
  const vae = await backend.createSession(await referenceModel("vae", build.vae));
  const { sample } = await vae.run({
    latent_sample: tensor(await readGolden("vae_decoder.latent_sample.npy")),
  });
  await vae.release();
  return { unet: out_sample!.data as Float32Array, vae: sample!.data as Float32Array };
}

// llvmpipe's WebGPU has measured between 1.3e-5 and 3.9e-4 from the VAE golden across runs, with
// or without fusion; what fusion itself changes is held to 1e-4 on every device.
const GOLDEN_TOLERANCE: Record<string, number> = { wasm: 1e-4, webgpu: 1e-3 };

for (const device of ["webgpu", "wasm"] as Device[]) {
  Deno.test({
    name: `fused-attention UNet and VAE decoder on onnxruntime-web ${device}: the goldens, and ` +
      "within 1e-4 of the standard graphs",
    ignore: device === "webgpu" && webgpuUnavailable !== null,
    async fn() {
      const backend = await createBackend({ devices: [device] });
      try {
        assert.equal(backend.device, device);
        const standard = await runReference(backend, false);
        const fused = await runReference(backend, true);
        const golden = {
          unet: (await readGolden("unet.t999_500.out_sample.npy")).data as Float32Array,
          vae: (await readGolden("vae_decoder.sample.npy")).data as Float32Array,
        };
        for (const part of ["unet", "vae"] as const) {
          const toGolden = maxAbsDiff(fused[part], golden[part]);
          const toStandard = maxAbsDiff(fused[part], standard[part]);
          console.log(
            `${device} ${part}, fused attention: max abs diff ${toGolden.toExponential(2)} vs ` +
              `golden, ${toStandard.toExponential(2)} vs the standard graph`,
          );
          assert.ok(toGolden <= GOLDEN_TOLERANCE[device]!, `${part}: ${toGolden} from the golden`);
          assert.ok(toStandard <= 1e-4, `${part}: ${toStandard} from the standard graph`);
        }
      } finally {
        await backend.dispose();
      }
    },
  });
}
