import assert from "node:assert/strict";
import { buildUnet, buildVaeDecoder, buildVaeEncoder } from "../../../models/networks/mod.ts";
import { countFlops, type GraphBuilder, type WeightSource } from "../../../models/onnx/mod.ts";
import { type Backend, createBackend, type HostTensor } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { webRuntime } from "../../../shared/ort/web.ts";
import { readGolden } from "../../_npy.ts";
import { webgpuUnavailable } from "../../shared/ort/_webgpu.ts";
import { referenceConfig, referenceModel, SHAPE_ONLY } from "./_reference.ts";

type Config = Record<string, unknown>;
const HALF = { computeDType: "float16" } as const;
const unetHalf = (config: Config, weights: WeightSource) => buildUnet(config, weights, HALF);
const decoderHalf = (config: Config, weights: WeightSource) =>
  buildVaeDecoder(config, weights, HALF);

/**
 * How far a float16 graph may land from the float32 PyTorch goldens, as the largest |Δ| and as
 * ‖Δ‖/‖golden‖. float16 keeps 11 significant bits: one rounding is u = 2⁻¹¹ ≈ 4.9e-4 relative.
 *
 * - onnxruntime-node CPU has few float16 kernels: it casts around the others, so sums accumulate
 *   in float32 and the error is the roundings of weights and of activations between ops. A
 *   roughly independent u per op over ~25 layers gives a few u (measured: relative L2 1.1e-3 UNet,
 *   2.0e-3 VAE; max 1.3e-3 and 6.2e-3).
 * - WebGPU's float16 shaders also accumulate Conv and MatMul sums in float16. A sum of K terms
 *   then carries ~√K·u (K = 9·C = 576 for a 3×3 conv over 64 channels: ~1.2e-2 per layer), which
 *   dominates; keeping only Conv in float32 cut the VAE's max error from 7.6e-2 to 2.2e-2
 *   (measured: relative L2 9.7e-3 UNet, 2.1e-2 VAE; max 1.3e-2 and 7.6e-2).
 *
 * The limits leave 2–4× headroom over those figures and stay far below what a wrong graph gives
 * (a swapped sin/cos or a missing attention scale moves the UNet's output by 0.35–0.38).
 */
const TOLERANCES = {
  cpu: { unet: { maxAbs: 5e-3, relativeL2: 4e-3 }, vae: { maxAbs: 2e-2, relativeL2: 8e-3 } },
  webgpu: { unet: { maxAbs: 4e-2, relativeL2: 3e-2 }, vae: { maxAbs: 0.15, relativeL2: 5e-2 } },
} as const;

async function golden(file: string): Promise<HostTensor> {
  const array = await readGolden(file);
  return { data: array.data, dims: array.shape };
}

function difference(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  assert.equal(actual.length, expected.length);
  let maxAbs = 0, squared = 0, reference = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxAbs)) maxAbs = d; // NaN sticks
    squared += d * d;
    reference += expected[i]! * expected[i]!;
  }
  return { maxAbs, relativeL2: Math.sqrt(squared / reference) };
}

function assertWithin(
  label: string,
  diff: { maxAbs: number; relativeL2: number },
  limit: { maxAbs: number; relativeL2: number },
) {
  console.log(
    `${label}: max abs ${diff.maxAbs.toExponential(2)}, ` +
      `relative L2 ${diff.relativeL2.toExponential(2)}`,
  );
  assert.ok(diff.maxAbs <= limit.maxAbs, `${label}: max abs exceeds ${limit.maxAbs}`);
  assert.ok(diff.relativeL2 <= limit.relativeL2, `${label}: relative L2 exceeds limit`);
}

/** Runs the float16-compute UNet and VAE decoder on every golden case of the reference model. */
async function checkGoldens(backend: Backend, limits: (typeof TOLERANCES)["cpu" | "webgpu"]) {
  const unet = await backend.createSession(await referenceModel("unet", unetHalf));
  for (const name of ["t999_500", "t1_250"]) {
    const { out_sample } = await unet.run({
      sample: await golden(`unet.${name}.sample.npy`),
      timestep: await golden(`unet.${name}.timestep.npy`),
      encoder_hidden_states: await golden(`unet.${name}.encoder_hidden_states.npy`),
    });
    const expected = await readGolden(`unet.${name}.out_sample.npy`);
    assert.deepEqual([...out_sample!.dims], expected.shape);
    const diff = difference(out_sample!.data as Float32Array, expected.data as Float32Array);
    assertWithin(`${backend.device} UNet ${name}`, diff, limits.unet);
  }
  await unet.release();
  const decoder = await backend.createSession(await referenceModel("vae", decoderHalf));
  const { sample } = await decoder.run({
    latent_sample: await golden("vae_decoder.latent_sample.npy"),
  });
  const expected = await readGolden("vae_decoder.sample.npy");
  const diff = difference(sample!.data as Float32Array, expected.data as Float32Array);
  assertWithin(`${backend.device} VAE decoder`, diff, limits.vae);
  await decoder.release();
}

/** Every Cast of `g` whose input is an initializer (a runtime could fold it into a copy). */
function castsOfInitializers(g: GraphBuilder): string[] {
  const initializers = new Set(g.initializers.map((i) => i.name));
  return g.nodes.filter((n) => n.opType === "Cast" && initializers.has(n.inputs[0]!))
    .map((n) => n.inputs[0]!);
}

Deno.test("float16-compute UNet and VAE graphs store float16 weights and never cast an initializer", async () => {
  const [unetConfig, vaeConfig] = [await referenceConfig("unet"), await referenceConfig("vae")];
  const graphs = {
    unet: buildUnet(unetConfig, SHAPE_ONLY, HALF),
    vae_decoder: buildVaeDecoder(vaeConfig, SHAPE_ONLY, HALF),
    vae_encoder: buildVaeEncoder(vaeConfig, SHAPE_ONLY, HALF),
  };
  for (const [name, g] of Object.entries(graphs)) {
    assert.deepEqual(castsOfInitializers(g), [], name);
    const params = g.initializers.filter((i) => i.isParam);
    assert.ok(params.length > 0 && params.every((i) => i.dtype === "float16"), name);
    // The I/O stays float32 by default, converted once at the boundary.
    assert.ok([...g.inputs, ...g.outputs].every((io) => io.dtype !== "float16"), name);
    const dtypeOf = new Map(g.initializers.map((i) => [i.name, i.dtype]));
    for (const node of g.nodes.filter((n) => n.opType === "Resize")) {
      const scales = node.inputs[2];
      if (scales) assert.equal(dtypeOf.get(scales), "float32", `${name}: Resize scales`);
    }
  }
  // With float16 I/O nothing is cast at the boundary: the UNet casts only its int64 timestep.
  const halfIo = buildUnet(unetConfig, SHAPE_ONLY, { ...HALF, ioDType: "float16" });
  const casts = halfIo.nodes.filter((n) => n.opType === "Cast");
  assert.deepEqual(casts.map((n) => n.attributes.to), [1, 10]);
});

Deno.test("float16 compute leaves shape inference and the FLOP count of the UNet unchanged", async () => {
  const config = await referenceConfig("unet");
  const shapes = { sample: [2, 4, 8, 8], timestep: [2], encoder_hidden_states: [2, 77, 32] };
  assert.deepEqual(
    countFlops(buildUnet(config, SHAPE_ONLY, HALF), shapes),
    countFlops(buildUnet(config, SHAPE_ONLY), shapes),
  );
});

Deno.test("float16-compute UNet and VAE decoder match the diffusers goldens on onnxruntime-node CPU", async () => {
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    await checkGoldens(backend, TOLERANCES.cpu);
  } finally {
    await backend.dispose();
  }
});

Deno.test({
  name:
    "float16-compute UNet and VAE decoder match the diffusers goldens on onnxruntime-web WebGPU",
  ignore: webgpuUnavailable !== null,
  async fn() {
    const backend = await createBackend({ devices: ["webgpu"], runtimes: [webRuntime()] });
    try {
      assert.equal(backend.device, "webgpu");
      await checkGoldens(backend, TOLERANCES.webgpu);
    } finally {
      await backend.dispose();
    }
  },
});
