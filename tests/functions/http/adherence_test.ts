/**
 * Over real HTTP on loopback, with the stack `deno task start` wires (the CLIP encoder on
 * onnxruntime-node, the in-process queue, a render Worker), the default `toy-shapes` model draws
 * what the prompt says through the OpenAI and the AUTOMATIC1111 routes, scored from the PNGs.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { pngPicture, QUICK_PROMPTS, scorePicture } from "../../_adherence/mod.ts";
import { startApi } from "../../client/_api.ts";
import { jsonPost } from "../_harness.ts";

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function assertDrawn(prompt: string, png: Uint8Array): void {
  const score = scorePicture(prompt, pngPicture(png));
  assert.deepEqual(
    [score.background, score.colour, score.shape],
    [true, true, true],
    `${prompt}: ${JSON.stringify(score)}`,
  );
}

Deno.test("the OpenAI and A1111 routes draw the prompt with the default toy-shapes model", async () => {
  const api = await startApi({ models: ["toy-shapes"] });
  try {
    const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.secretKey, maxRetries: 0 });
    const openai = await client.images.generate({
      prompt: QUICK_PROMPTS[0]!,
      size: "64x64" as "256x256",
      response_format: "b64_json",
      ...{ seed: 1 }, // the model's defaults: PNDM, 25 steps, guidance 7.5
    });
    const png = fromBase64(openai.data![0]!.b64_json!);
    const parameters = readPngParameters(png) ?? "";
    assert.match(parameters, /Steps: 25, .*CFG scale: 7\.5, Seed: 1, .*Model: toy-shapes/);
    assertDrawn(QUICK_PROMPTS[0]!, png);

    const res = await fetch(
      `${api.url}/sdapi/v1/txt2img`,
      jsonPost({
        prompt: QUICK_PROMPTS[1],
        steps: 25,
        cfg_scale: 7.5,
        seed: 1,
        sampler_name: "PLMS",
        width: 64,
        height: 64,
        override_settings: { sd_model_checkpoint: "toy-shapes" },
      }, api.secretKey),
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    const a1111 = fromBase64(body.images[0]);
    assert.match(readPngParameters(a1111) ?? "", /Sampler: PLMS, .*Model: toy-shapes/);
    assertDrawn(QUICK_PROMPTS[1]!, a1111);
  } finally {
    await api.close();
  }
});
