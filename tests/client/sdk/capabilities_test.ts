import assert from "node:assert/strict";
import {
  checkWebGpu,
  estimateMemory,
  hasShaderF16,
  pickVariant,
} from "../../../client/sdk/capabilities.ts";
import type { GpuAdapterLike, GpuLike } from "../../../client/sdk/types.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";

const MiB = 2 ** 20;

function manifest(unetBytes: number, dtype: "float32" | "float16" = "float32"): ModelManifest {
  const file = (bytes: number) => ({ path: "x", bytes, sha256: "0" });
  return {
    vaeScaleFactor: 8,
    components: {
      unet: {
        model: file(unetBytes),
        inputs: [{ name: "sample", dtype, shape: ["batch", 4, "h", "w"] }],
        outputs: [],
      },
      vae_decoder: { model: file(100 * MiB), inputs: [], outputs: [] },
    },
  } as unknown as ModelManifest;
}

function gpu(adapter: Partial<GpuAdapterLike> | null, features: string[] = []): GpuLike {
  return {
    requestAdapter: () =>
      Promise.resolve(
        adapter === null ? null : {
          features: new Set(features),
          limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
          ...adapter,
        },
      ),
  };
}

Deno.test("estimateMemory() grows with the square of the latent token count (attention)", () => {
  const small = estimateMemory(manifest(MiB), { width: 256, height: 256 });
  const large = estimateMemory(manifest(MiB), { width: 512, height: 512 });
  // 512² has 4× the tokens of 256²: 16× the attention scores.
  assert.equal(large.largestBufferBytes, 16 * small.largestBufferBytes);
  // SD 1.x at 512²: 2 (CFG) · 8 heads · 4096² tokens · 4 bytes = 1 GiB of scores.
  assert.equal(large.largestBufferBytes, 2 ** 30);
  assert.equal(estimateMemory(manifest(MiB, "float16"), { width: 512, height: 512 }).float16, true);
});

Deno.test("estimateMemory() counts a model with float32 I/O but float16 weights as float16", () => {
  const m = manifest(MiB);
  m.components.unet.weightDType = "float16";
  assert.equal(estimateMemory(m, { width: 64, height: 64 }).float16, true);
  m.components.unet.weightDType = "float32";
  assert.equal(estimateMemory(m, { width: 64, height: 64 }).float16, false);
});

Deno.test("checkWebGpu() says why it declines: no WebGPU, no adapter, no shader-f16", async () => {
  const size = { width: 64, height: 64 };
  assert.deepEqual(await checkWebGpu(manifest(MiB), size, { gpu: null }), {
    ok: false,
    reason: "this browser has no WebGPU",
  });
  assert.deepEqual(await checkWebGpu(manifest(MiB), size, { gpu: gpu(null) }), {
    ok: false,
    reason: "no WebGPU adapter is available",
  });
  const f16 = await checkWebGpu(manifest(MiB, "float16"), size, { gpu: gpu({}) });
  assert.equal(f16.ok, false);
  assert.match(!f16.ok ? f16.reason : "", /shader-f16/);
  const withF16 = await checkWebGpu(manifest(MiB, "float16"), size, {
    gpu: gpu({}, ["shader-f16"]),
  });
  assert.equal(withF16.ok, true);
});

Deno.test("checkWebGpu() declines sizes whose largest buffer exceeds the adapter's limits", async () => {
  const small = gpu({ limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 128 * MiB } });
  const at512 = await checkWebGpu(manifest(MiB), { width: 512, height: 512 }, { gpu: small });
  assert.equal(at512.ok, false);
  assert.match(!at512.ok ? at512.reason : "", /largest buffer \(128 MiB\)/);
  const at256 = await checkWebGpu(manifest(MiB), { width: 256, height: 256 }, { gpu: small });
  assert.equal(at256.ok, true);
});

Deno.test("checkWebGpu() declines models larger than half the device memory", async () => {
  const size = { width: 64, height: 64 };
  const big = await checkWebGpu(manifest(3000 * MiB), size, { gpu: gpu({}), deviceMemoryGb: 4 });
  assert.equal(big.ok, false);
  assert.match(!big.ok ? big.reason : "", /too little memory \(2048 MiB usable/);
  const fits = await checkWebGpu(manifest(1500 * MiB), size, { gpu: gpu({}), deviceMemoryGb: 4 });
  assert.equal(fits.ok, true);
});

Deno.test("pickVariant() takes the fp16 networks with shader-f16 and the fp32 ones without", async () => {
  const component = (path: string, weightDType: "float32" | "float16") => ({
    model: { path, bytes: 1, sha256: path },
    inputs: [],
    outputs: [],
    weightDType,
  });
  const both = {
    ...manifest(MiB),
    variant: "fp32",
    components: {
      text_encoder: component("text_encoder/model.onnx", "float32"),
      unet: component("unet/model.onnx", "float32"),
      vae_decoder: component("vae_decoder/model.onnx", "float32"),
    },
    variants: {
      fp16: {
        unet: component("unet_fp16/model.onnx", "float16"),
        vae_decoder: component("vae_decoder/model_fp16.onnx", "float16"),
      },
    },
  } as unknown as ModelManifest;
  const half = pickVariant(both, { shaderF16: true });
  assert.equal(half.variant, "fp16");
  assert.equal(half.components.unet.model.path, "unet_fp16/model.onnx");
  assert.equal(half.components.vae_decoder.model.path, "vae_decoder/model_fp16.onnx");
  assert.equal(half.components.text_encoder.model.path, "text_encoder/model.onnx");
  assert.equal(pickVariant(both, { shaderF16: false }), both);
  // A float16-first manifest falls back to its fp32 networks on a GPU without shader-f16.
  const halfFirst = { ...half, variants: { fp32: both.components } } as ModelManifest;
  assert.equal(
    pickVariant(halfFirst, { shaderF16: false }).components.unet.model.path,
    "unet/model.onnx",
  );
  assert.equal(pickVariant(halfFirst, { shaderF16: true }), halfFirst);
  const single = manifest(MiB);
  assert.equal(pickVariant(single, { shaderF16: true }), single, "no variants: as it is");
  assert.equal(await hasShaderF16(gpu({}, ["shader-f16"])), true);
  assert.equal(await hasShaderF16(gpu({})), false);
  assert.equal(await hasShaderF16(gpu(null, ["shader-f16"])), false);
  assert.equal(await hasShaderF16(null), false);
});
