/**
 * LCM-distilled UNets (`time_cond_proj_dim`): the builder's graph and the fixture's optimum-style
 * export take `timestep_cond` and match diffusers on `../shared/fixtures/lcm/`'s network cases;
 * the guidance-scale embedding matches diffusers' `get_guidance_scale_embedding`.
 */
import assert from "node:assert/strict";
import { buildUnet } from "../../../models/networks/mod.ts";
import { encodeModel } from "../../../models/onnx/mod.ts";
import { openSafetensors } from "../../../models/weights/mod.ts";
import { guidanceScaleEmbedding } from "../../../shared/pipeline/mod.ts";
import { fixturePath, readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";
import { parseNpy } from "../../_npy.ts";
import { cpuSession, tensor } from "../../_ort.ts";
import type { HostTensor, ModelSession } from "../../../shared/ort/mod.ts";
import { maxAbsDiff } from "./_reference.ts";

const LCM = "lcm/tiny-lcm";

interface NetworkCase {
  name: string;
  inputs: Record<string, { file: string }>;
  outputs: { out_sample: { file: string } };
  tolerance: { max_abs: number };
  w: number[];
}

const golden = async (file: string) => parseNpy(await readFixtureBytes(`lcm/golden/${file}`));

async function assertNetworkCases(session: ModelSession): Promise<string[]> {
  const index = await readFixtureJson<{ network_cases: NetworkCase[] }>("lcm/golden/index.json");
  const report: string[] = [];
  for (const c of index.network_cases) {
    const feeds: Record<string, HostTensor> = {};
    for (const [name, { file }] of Object.entries(c.inputs)) {
      const array = await golden(file);
      feeds[name] = tensor(array.data, array.shape);
    }
    // The condition computed here, not read from the golden: the pipeline's own embedding.
    const dim = feeds.timestep_cond!.dims[1]!;
    const cond = new Float32Array(c.w.length * dim);
    c.w.forEach((w, row) => cond.set(guidanceScaleEmbedding(w + 1, dim), row * dim));
    const conditions: [string, HostTensor][] = [
      ["golden", feeds.timestep_cond!],
      ["ours", tensor(cond, [c.w.length, dim])],
    ];
    for (const [label, timestepCond] of conditions) {
      const run = { ...feeds, timestep_cond: timestepCond };
      const { out_sample } = await session.run(run);
      const diff = maxAbsDiff(out_sample, await golden(c.outputs.out_sample.file));
      assert.ok(diff <= c.tolerance.max_abs, `${c.name} (${label} timestep_cond): ${diff}`);
      report.push(`${c.name}/${label} ${diff.toExponential(2)}`);
    }
  }
  return report;
}

Deno.test("buildUnet() with time_cond_proj_dim takes timestep_cond and matches diffusers' LCM UNet", async () => {
  const config = await readFixtureJson<Record<string, unknown>>(
    `${LCM}/diffusers/unet/config.json`,
  );
  const weights = await openSafetensors(
    fixturePath(`${LCM}/diffusers/unet/diffusion_pytorch_model.safetensors`),
  );
  let model: Uint8Array;
  try {
    model = encodeModel(buildUnet(config, weights)).model;
  } finally {
    weights.close();
  }
  const session = await cpuSession(model);
  try {
    assert.deepEqual(
      session.inputs.map((s) => s.name),
      ["sample", "timestep", "encoder_hidden_states", "timestep_cond"],
    );
    console.log((await assertNetworkCases(session)).join(", "));
  } finally {
    await session.release();
  }
});

Deno.test("the optimum-style LCM export of the fixture runs with the pipeline's guidance embedding", async () => {
  const session = await cpuSession(fixturePath(`${LCM}/unet/model.onnx`));
  try {
    assert.ok(session.inputs.some((s) => s.name === "timestep_cond"));
    console.log((await assertNetworkCases(session)).join(", "));
  } finally {
    await session.release();
  }
});

Deno.test("guidanceScaleEmbedding() matches diffusers' get_guidance_scale_embedding (32 and 256 wide) within 1e-3", async () => {
  const ws = Array.from((await golden("w_embedding.w.npy")).data as Float32Array);
  for (const dim of [32, 256]) {
    const expected = (await golden(`w_embedding.dim${dim}.npy`)).data as Float32Array;
    let max = 0;
    ws.forEach((w, row) => {
      const ours = guidanceScaleEmbedding(w + 1, dim);
      for (let i = 0; i < dim; i++) {
        max = Math.max(max, Math.abs(ours[i]! - expected[row * dim + i]!));
      }
    });
    assert.ok(max <= 1e-3, `dim ${dim}: ${max}`);
  }
  assert.equal(guidanceScaleEmbedding(8.5, 33).length, 33);
  assert.equal(guidanceScaleEmbedding(8.5, 33)[32], 0, "an odd width ends with a zero column");
  assert.throws(() => guidanceScaleEmbedding(Number.NaN, 32), RangeError);
});
