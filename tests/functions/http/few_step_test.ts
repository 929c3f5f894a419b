/**
 * Few-step models end to end on every surface: `deno task generate`, `POST /v1/images/generations`
 * and the SDK reproduce `../shared/fixtures/turbo/` (guidance 0, 1 and 4 steps) and
 * `../shared/fixtures/lcm/` (an LCM UNet, 4 steps) within their `index.json` tolerances.
 */
import assert from "node:assert/strict";
import { type GenerateCliIo, main } from "../../../functions/cli/generate.ts";
import { createClient } from "../../../client/sdk/mod.ts";
import { startApi } from "../../client/_api.ts";
import {
  assertMatchesCase,
  caseSeed,
  fewStepCases,
  fewStepModel,
  type FewStepSet,
} from "../../shared/pipeline/_few_step_golden.ts";

const SETS = ["turbo", "lcm"] as const;
const idOf = (set: FewStepSet) => `tiny-${set}`;

async function withModels(fn: (cacheDir: string) => Promise<void>): Promise<void> {
  const cacheDir = await Deno.makeTempDir({ prefix: "few_step_" });
  try {
    for (const set of SETS) await fewStepModel(set, `${cacheDir}/${idOf(set)}`, idOf(set));
    await fn(cacheDir);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("deno task generate reproduces the SD-Turbo (--guidance 0 --steps 1|4) and LCM goldens", async () => {
  await withModels(async (cacheDir) => {
    for (const set of SETS) {
      for (const golden of await fewStepCases(set)) {
        const files = new Map<string, Uint8Array>();
        let err = "";
        const io: GenerateCliIo = {
          stdout: () => {},
          stderr: (text) => void (err += text),
          stderrIsTerminal: false,
          writeFile: (path, bytes) => Promise.resolve(void files.set(path, bytes)),
        };
        const code = await main([
          golden.call.prompt,
          "--model",
          `${cacheDir}/${idOf(set)}`,
          "--steps",
          String(golden.call.num_inference_steps),
          "--guidance",
          String(golden.call.guidance_scale),
          "--seed",
          String(await caseSeed(set, golden.name)),
          "--size",
          "64",
          "--device",
          "cpu",
          "--out",
          "out.png",
        ], io);
        assert.equal(code, 0, err);
        console.log(
          "generate:",
          await assertMatchesCase(set, golden, { image: files.get("out.png")! }),
        );
      }
    }
  });
});

Deno.test("POST /v1/images/generations and the SDK take guidance_scale 0 and steps 1 and reproduce the SD-Turbo and LCM goldens", async () => {
  await withModels(async (cacheDir) => {
    const api = await startApi({ models: SETS.map(idOf), cacheDir });
    try {
      const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
      for (const set of SETS) {
        for (const golden of await fewStepCases(set)) {
          const seed = await caseSeed(set, golden.name);
          const ID = idOf(set);
          const response = await fetch(`${api.url}/v1/images/generations`, {
            method: "POST",
            headers: {
              Authorization: `Bearer ${api.secretKey}`,
              "Content-Type": "application/json",
            },
            body: JSON.stringify({
              model: ID,
              prompt: golden.call.prompt,
              seed,
              steps: golden.call.num_inference_steps,
              guidance_scale: golden.call.guidance_scale,
              size: "64x64",
              response_format: "b64_json",
            }),
          });
          assert.equal(response.status, 200, await response.clone().text());
          const { data } = await response.json();
          const png = Uint8Array.from(atob(data[0].b64_json), (c) => c.charCodeAt(0));
          console.log("HTTP:", await assertMatchesCase(set, golden, { image: png }));

          const result = await client.generate({
            model: ID,
            prompt: golden.call.prompt,
            seed,
            steps: golden.call.num_inference_steps,
            guidanceScale: golden.call.guidance_scale,
            width: 64,
            height: 64,
          });
          const sdkPng = new Uint8Array(await result.blob.arrayBuffer());
          console.log("SDK:", await assertMatchesCase(set, golden, { image: sdkPng }));
        }
      }
    } finally {
      await api.close();
    }
  });
});
