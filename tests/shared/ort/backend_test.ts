import assert from "node:assert/strict";
import {
  type Backend,
  BackendUnavailableError,
  createBackend,
  type OrtRuntime,
} from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { fixturePath } from "../../_fixtures.ts";

function failingRuntime(reason: string): OrtRuntime {
  return {
    name: "fake-gpu",
    devices: ["webgpu", "cuda"],
    open: () => Promise.reject(new Error(reason)),
  };
}

Deno.test(
  "createBackend() falls through to the first working device and records the failures",
  async () => {
    const backend = await createBackend({
      devices: ["webgpu", "cpu"],
      runtimes: [failingRuntime("no adapter"), nodeRuntime()],
    });
    try {
      assert.equal(backend.device, "cpu");
      assert.equal(backend.runtime, "onnxruntime-node");
      assert.deepEqual(backend.attempts, [
        { device: "webgpu", runtime: "fake-gpu", reason: "no adapter" },
      ]);
    } finally {
      await backend.dispose();
    }
  },
);

Deno.test("createBackend() throws one BackendUnavailableError listing every attempt", async () => {
  const error = await createBackend({
    devices: ["cuda", "wasm", "webgpu"],
    runtimes: [failingRuntime("driver missing")],
  }).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof BackendUnavailableError);
  assert.deepEqual(error.attempts, [
    { device: "cuda", runtime: "fake-gpu", reason: "driver missing" },
    { device: "wasm", runtime: "none", reason: "no runtime offers this device" },
    { device: "webgpu", runtime: "fake-gpu", reason: "driver missing" },
  ]);
  assert.match(error.message, /cuda \(fake-gpu\): driver missing; wasm \(none\)/);
});

Deno.test("createBackend() rejects an empty or unknown device list with a TypeError", async () => {
  await assert.rejects(createBackend({ devices: [] }), TypeError);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    createBackend({ devices: ["tpu" as any] }),
    /device 'tpu' is unknown/,
  );
});

Deno.test("createBackend() reports why CUDA is unavailable and still opens the CPU", async () => {
  const backend = await createBackend({ devices: ["cuda", "cpu"] });
  try {
    if (backend.device === "cuda") {
      console.log("CUDA is available here: nothing to fall back from");
      assert.deepEqual(backend.attempts, []);
    } else {
      assert.equal(backend.device, "cpu");
      assert.equal(backend.attempts.length, 1);
      assert.equal(backend.attempts[0]!.device, "cuda");
      assert.ok(backend.attempts[0]!.reason.length > 0);
    }
  } finally {
    await backend.dispose();
  }
});

async function unetSession(backend: Backend) {
  return await backend.createSession(fixturePath("models/tiny-sd-reference/unet/model.onnx"));
}

Deno.test("onnxruntime-web wasm opens in Deno single-threaded by default", async () => {
  const backend = await createBackend({ devices: ["wasm"] });
  try {
    assert.equal(backend.device, "wasm");
    assert.equal(backend.runtime, "onnxruntime-web");
    const bytes = await Deno.readFile(
      fixturePath("models/tiny-sd-reference/vae_decoder/model.onnx"),
    );
    const session = await backend.createSession(bytes);
    assert.deepEqual(session.inputs.map((s) => s.name), ["latent_sample"]);
  } finally {
    await backend.dispose();
  }
});

Deno.test("Backend.dispose() releases every session it created", async () => {
  const backend = await createBackend({ devices: ["cpu"] });
  const session = await unetSession(backend);
  await backend.dispose();
  await assert.rejects(
    session.run({
      sample: { data: new Float32Array(256), dims: [1, 4, 8, 8] },
      timestep: { data: Float32Array.of(1), dims: [1] },
      encoder_hidden_states: { data: new Float32Array(77 * 32), dims: [1, 77, 32] },
    }),
    /released session/,
  );
  await session.release();
});
