import assert from "node:assert/strict";
import { formatParameters, parseParameters } from "../../../shared/image/mod.ts";

const CAT = {
  prompt: "a photo of a cat",
  negativePrompt: "blurry",
  steps: 25,
  sampler: "Euler a",
  cfgScale: 7.5,
  seed: 42,
  width: 64,
  height: 64,
  model: "tiny-sd",
};

Deno.test("formatParameters() writes AUTOMATIC1111's parameters text", () => {
  assert.equal(
    formatParameters(CAT),
    "a photo of a cat\nNegative prompt: blurry\n" +
      "Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: tiny-sd",
  );
});

Deno.test("formatParameters() omits an empty negative prompt and writes floats like Python", () => {
  assert.equal(
    formatParameters({ ...CAT, negativePrompt: "", cfgScale: 7, seed: 18446744073709551615n }),
    "a photo of a cat\n" +
      "Steps: 25, Sampler: Euler a, CFG scale: 7.0, Seed: 18446744073709551615, Size: 64x64, " +
      "Model: tiny-sd",
  );
});

Deno.test("formatParameters() takes the pipeline's scheduler and guidanceScale names", () => {
  const text = formatParameters({
    prompt: "p",
    steps: 4,
    scheduler: "dpmpp_2m_karras",
    guidanceScale: 1,
    seed: 7n,
    width: 8,
    height: 16,
    eta: 0,
  });
  assert.equal(
    text,
    "p\nSteps: 4, Sampler: DPM++ 2M Karras, CFG scale: 1.0, Seed: 7, Size: 8x16, Eta: 0.0",
  );
  const { sampler: _sampler, ...noSampler } = CAT;
  const { cfgScale: _cfgScale, ...noCfgScale } = CAT;
  assert.match(
    formatParameters({ ...noSampler, scheduler: "MyScheduler" }),
    /Sampler: MyScheduler,/,
  );
  assert.throws(() => formatParameters(noSampler), TypeError);
  assert.throws(() => formatParameters(noCfgScale), TypeError);
});

Deno.test("formatParameters() quotes values with commas, colons or newlines like A1111", () => {
  const text = formatParameters({ ...CAT, model: "sd: v1, pruned", extra: { Note: 'say "hi"' } });
  assert.ok(text.endsWith(', Model: "sd: v1, pruned", Note: say "hi"'), text);
});

Deno.test("parseParameters() reads back what formatParameters() wrote", () => {
  const info = {
    ...CAT,
    prompt: "a photo of a cat,\nwearing a hat: red",
    negativePrompt: "blurry\nlow quality",
    seed: 18446744073709551615n,
    model: "sd: v1, pruned",
    eta: 0.25,
    extra: { "Hires upscale": "2", Note: "a, b" },
  };
  const parsed = parseParameters(formatParameters(info));
  assert.deepEqual(parsed, { ...info, extra: { "Hires upscale": "2", Note: "a, b" } });
  assert.equal(formatParameters(parsed!), formatParameters(info));
});

Deno.test("parseParameters() reads A1111 texts with settings it does not know", () => {
  const text = "masterpiece, 1girl\nNegative prompt: lowres\n" +
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3912, Size: 512x768, " +
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, " +
    'Lora hashes: "a: 1, b: 2", Version: v1.6.0';
  assert.deepEqual(parseParameters(text), {
    prompt: "masterpiece, 1girl",
    negativePrompt: "lowres",
    steps: 20,
    sampler: "DPM++ 2M Karras",
    cfgScale: 7,
    seed: 3912n,
    width: 512,
    height: 768,
    model: "v1-5-pruned-emaonly",
    extra: { "Model hash": "6ce0161689", "Lora hashes": "a: 1, b: 2", Version: "v1.6.0" },
  });
});

Deno.test("parseParameters() gives null for text without a complete settings line", () => {
  assert.equal(parseParameters("just a prompt"), null);
  assert.equal(parseParameters("a cat\nSteps: 20, Sampler: Euler, CFG scale: 7"), null);
  assert.equal(
    parseParameters("a cat\nSteps: x, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 8x8"),
    null,
  );
  assert.equal(parseParameters(""), null);
});
