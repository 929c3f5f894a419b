import assert from "node:assert/strict";
import { type Backend, createBackend, type HostTensor } from "../../../shared/ort/mod.ts";
import { fixturePath } from "../../_fixtures.ts";
import { type NpyArray, readGolden } from "../../_npy.ts";
import { scaleAddModel } from "./_tiny_onnx.ts";

const MODELS = "models/tiny-sd-reference";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function tensor(npy: NpyArray): HostTensor {
  return { data: npy.data, dims: npy.shape };
}

async function withCpu(fn: (backend: Backend) => Promise<void>): Promise<void> {
  const backend = await createBackend({ devices: ["cpu"] });
  try {
    await fn(backend);
  } finally {
    await backend.dispose();
  }
}

Deno.test(
  "ModelSession reads the reference UNet's I/O metadata (int64 [batch] timestep, dynamic batch)",
  async () => {
    await withCpu(async (backend) => {
      const unet = await backend.createSession(fixturePath(`${MODELS}/unet/model.onnx`));
      assert.deepEqual(unet.inputs, [
        { name: "sample", dtype: "float32", shape: ["batch", 4, "height", "width"] },
        { name: "timestep", dtype: "int64", shape: ["batch"] },
        { name: "encoder_hidden_states", dtype: "float32", shape: ["batch", "sequence", 32] },
      ]);
      assert.deepEqual(unet.outputs, [
        { name: "out_sample", dtype: "float32", shape: ["batch", 4, "height", "width"] },
      ]);
    });
  },
);

Deno.test(
  "ModelSession.run() gives the UNet golden outputs with float timesteps converted to int64",
  async () => {
    await withCpu(async (backend) => {
      const unet = await backend.createSession(fixturePath(`${MODELS}/unet/model.onnx`));
      for (const name of ["t999_500", "t1_250"]) {
        const sample = await readGolden(`unet.${name}.sample.npy`);
        const timestep = await readGolden(`unet.${name}.timestep.npy`);
        const hidden = await readGolden(`unet.${name}.encoder_hidden_states.npy`);
        const expected = await readGolden(`unet.${name}.out_sample.npy`);
        const out = await unet.run({
          sample: tensor(sample),
          timestep: { data: Float32Array.from(timestep.data as BigInt64Array, Number), dims: [2] },
          encoder_hidden_states: tensor(hidden),
        });
        assert.deepEqual(out.out_sample!.dims, [2, 4, 8, 8]);
        assert.ok(
          maxAbsDiff(out.out_sample!.data as Float32Array, expected.data as Float32Array) <= 1e-4,
        );
      }
    });
  },
);

Deno.test(
  "ModelSession.run() feeds int32 token ids to the text encoder and matches its golden",
  async () => {
    await withCpu(async (backend) => {
      const bytes = await Deno.readFile(fixturePath(`${MODELS}/text_encoder/model.onnx`));
      const encoder = await backend.createSession(bytes);
      const ids = await readGolden("text_encoder.input_ids.npy");
      const expected = await readGolden("text_encoder.last_hidden_state.npy");
      const out = await encoder.run({ input_ids: tensor(ids) }, { outputs: ["last_hidden_state"] });
      assert.deepEqual(Object.keys(out), ["last_hidden_state"]);
      assert.ok(
        maxAbsDiff(out.last_hidden_state!.data as Float32Array, expected.data as Float32Array) <=
          1e-4,
      );
    });
  },
);

Deno.test(
  "ModelSession converts float32 feeds to a float16 model and its outputs back",
  async () => {
    await withCpu(async (backend) => {
      const session = await backend.createSession(
        scaleAddModel({ value: "float16", timestep: "int64", timestepShape: [], batch: "batch" }),
      );
      assert.deepEqual(session.inputs.map((s) => [s.name, s.dtype, s.shape]), [
        ["x", "float16", ["batch", 3]],
        ["t", "int64", []],
      ]);
      const out = await session.run({
        x: { data: Float32Array.of(0.1, 1 / 3, -1.5, 100.7, -0.001, 7.77), dims: [2, 3] },
        // 3.7 truncates to 3, like numpy's astype(int64) in diffusers' ONNX pipeline.
        t: { data: Float32Array.of(3.7), dims: [] },
      });
      assert.ok(out.y!.data instanceof Float32Array);
      // numpy: (x.astype(f16).astype(f32) * 2 + 3).astype(f16)
      assert.deepEqual([...out.y!.data], [
        3.19921875,
        3.666015625,
        0,
        204.375,
        2.998046875,
        18.53125,
      ]);
    });
  },
);

Deno.test(
  "ModelSession feeds a per-row float timestep and keeps device tensors across runs",
  async () => {
    await withCpu(async (backend) => {
      const session = await backend.createSession(
        scaleAddModel({
          value: "float32",
          timestep: "float32",
          timestepShape: ["batch"],
          batch: "batch",
        }),
      );
      const t = await session.createDeviceTensor("t", {
        data: Float32Array.of(999, 500),
        dims: [2],
      });
      assert.equal(t.location, "cpu");
      for (let run = 0; run < 2; run++) {
        const out = await session.run({
          x: { data: Float32Array.of(0, 0.25, -1.5, 100.75, 0, 7.75), dims: [2, 3] },
          t,
        });
        assert.deepEqual([...out.y!.data], [999, 999.5, 996, 701.5, 500, 515.5]);
      }
      t.dispose();
      await assert.rejects(
        session.run({ x: { data: new Float32Array(6), dims: [2, 3] }, t }),
        /disposed session/,
      );
    });
  },
);

Deno.test(
  "ModelSession rejects missing, unknown and misshapen feeds with clear errors",
  async () => {
    await withCpu(async (backend) => {
      const session = await backend.createSession(
        scaleAddModel({ value: "float32", timestep: "float32", timestepShape: [], batch: 1 }),
      );
      const t = { data: Float32Array.of(1), dims: [] };
      await assert.rejects(session.run({ t }), /input 'x' is missing/);
      await assert.rejects(
        session.run({ x: { data: new Float32Array(3), dims: [1, 3] }, t, z: t }),
        /no such input/,
      );
      await assert.rejects(
        session.run({ x: { data: new Float32Array(6), dims: [2, 3] }, t }),
        /dimension 0 is fixed to 1/,
      );
      await assert.rejects(
        session.run({ x: { data: new Float32Array(4), dims: [1, 3] }, t }),
        RangeError,
      );
    });
  },
);
