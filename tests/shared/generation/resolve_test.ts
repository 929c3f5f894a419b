import assert from "node:assert/strict";
import {
  checkGeneration,
  DEFAULT_LIMITS,
  DEFAULT_STRENGTH,
  GenerationError,
  parseSeed,
  PIPELINE_LIMITS,
  randomSeed,
  resolveGeneration,
} from "../../../shared/generation/mod.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";
import type { PixelImage } from "../../../shared/image/mod.ts";

const manifest = {
  id: "tiny-sd",
  vaeScaleFactor: 8,
  defaults: { steps: 10, guidanceScale: 7.5, width: 64, height: 64, scheduler: "pndm" },
} as ModelManifest;

Deno.test("parseSeed() keeps seeds exactly as decimal strings, including 2^64 − 1", () => {
  assert.equal(parseSeed(42), "42");
  assert.equal(parseSeed("18446744073709551615"), "18446744073709551615");
  assert.equal(parseSeed(2n ** 60n), String(2n ** 60n));
  assert.equal(parseSeed(" 7 "), "7");
  for (const bad of [-1, 1.5, 2 ** 60, "2".repeat(21), "18446744073709551616", "0x10", null]) {
    assert.throws(() => parseSeed(bad), (error: unknown) => {
      assert.ok(error instanceof GenerationError && error.field === "seed", String(bad));
      assert.match(error.message, /'seed' must be an integer in \[0, 18446744073709551615\]/);
      return true;
    });
  }
});

Deno.test("randomSeed() draws 32-bit decimal seeds, different across calls", () => {
  const seeds = new Set(Array.from({ length: 8 }, () => randomSeed()));
  for (const seed of seeds) assert.ok(BigInt(seed) >= 0n && BigInt(seed) < 2n ** 32n);
  assert.ok(seeds.size > 1);
});

Deno.test("checkGeneration() checks only the given fields and resolves the seed", () => {
  assert.deepEqual(checkGeneration({ prompt: "a", seed: 42 }, DEFAULT_LIMITS), {
    prompt: "a",
    seed: "42",
  });
  assert.match(checkGeneration({ prompt: "a" }, DEFAULT_LIMITS).seed, /^\d+$/);
});

Deno.test("checkGeneration() rejects bad input with a GenerationError naming the field", () => {
  const cases: [object, string, RegExp][] = [
    [{ prompt: "  " }, "prompt", /'prompt' must be a non-empty string/],
    [
      { prompt: "a", steps: 0 },
      "steps",
      /'steps' must be an integer in \[1, 150\]: current value is 0/,
    ],
    [{ prompt: "a", steps: 151 }, "steps", /\[1, 150\]/],
    [{ prompt: "a", guidanceScale: Number.NaN }, "guidanceScale", /\[0, 50\]/],
    [{ prompt: "a", width: 100 }, "width", /multiple of 8 in \[64, 1024\]: current value is 100/],
    [{ prompt: "a", height: 2048 }, "height", /\[64, 1024\]/],
    [{ prompt: "a", batchSize: 5 }, "batchSize", /\[1, 4\]/],
    [{ prompt: "a", scheduler: "warp" }, "scheduler", /must be one of DDIMScheduler, .*, lcm/],
    [{ prompt: "a", eta: 2 }, "eta", /\[0, 1\]/],
    [{ prompt: "a", seed: -1 }, "seed", /'seed'/],
  ];
  for (const [init, field, message] of cases) {
    assert.throws(
      () => checkGeneration(init as { prompt: string }, DEFAULT_LIMITS),
      (error: unknown) => {
        assert.ok(error instanceof GenerationError && error instanceof RangeError);
        assert.equal(error.field, field);
        assert.match(error.message, message);
        return true;
      },
    );
  }
  // The pipeline's own ceiling lets more through.
  assert.equal(checkGeneration({ prompt: "a", steps: 1000 }, PIPELINE_LIMITS).steps, 1000);
});

Deno.test("resolveGeneration() fills absent fields from the manifest and keeps given ones", () => {
  const resolved = resolveGeneration(
    { prompt: "a cat", seed: 7, steps: 4 },
    manifest,
    DEFAULT_LIMITS,
  );
  assert.deepEqual(resolved, {
    model: "tiny-sd",
    prompt: "a cat",
    negativePrompt: "",
    steps: 4,
    guidanceScale: 7.5,
    seed: "7",
    width: 64,
    height: 64,
    batchSize: 1,
    scheduler: "pndm",
  });
  // Resolving is idempotent: what ran resolves to itself.
  assert.deepEqual(resolveGeneration(resolved, manifest, DEFAULT_LIMITS), resolved);
});

Deno.test("resolveGeneration() caps the manifest's defaults at the limits", () => {
  const big = { ...manifest, defaults: { ...manifest.defaults, steps: 80, width: 768 } };
  const limits = { ...DEFAULT_LIMITS, maxSteps: 50, maxSize: 512 };
  const resolved = resolveGeneration({ prompt: "a", seed: 1 }, big, limits);
  assert.equal(resolved.steps, 50);
  assert.equal(resolved.width, 512);
});

const image = (width: number, height: number): PixelImage => ({
  data: new Uint8Array(width * height * 3),
  width,
  height,
  channels: 3,
});

function refuses(init: Parameters<typeof resolveGeneration>[0], field: string, pattern: RegExp) {
  assert.throws(() => resolveGeneration(init, manifest, DEFAULT_LIMITS), (error: unknown) => {
    assert.ok(error instanceof GenerationError, String(error));
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("resolveGeneration() sizes image to image from the init image and defaults strength like diffusers", () => {
  const params = resolveGeneration(
    { prompt: "a cat", initImage: image(96, 72) },
    manifest,
    DEFAULT_LIMITS,
  );
  assert.deepEqual([params.width, params.height, params.strength], [96, 72, DEFAULT_STRENGTH]);
  const inpaint = resolveGeneration(
    { prompt: "a cat", initImage: image(64, 64), mask: image(64, 64) },
    manifest,
    DEFAULT_LIMITS,
  );
  assert.equal(inpaint.strength, 1);
});

Deno.test("resolveGeneration() names the image field at fault", () => {
  refuses({ prompt: "x", initImage: image(64, 64), strength: 0 }, "strength", /\(0, 1\]/);
  refuses({ prompt: "x", initImage: image(64, 64), strength: 1.5 }, "strength", /\(0, 1\]/);
  refuses(
    { prompt: "x", initImage: image(64, 64), strength: 0.1, steps: 4 },
    "strength",
    /must leave at least one of the 4 steps \(strength × steps ≥ 1\): current value is 0.1/,
  );
  refuses({ prompt: "x", mask: image(64, 64) }, "mask", /needs an init image/);
  refuses({ prompt: "x", strength: 0.5 }, "strength", /needs an init image/);
  refuses({ prompt: "x", initImage: image(64, 64), mask: image(32, 32) }, "mask", /64x64/);
  refuses({ prompt: "x", initImage: image(64, 64), width: 128, height: 64 }, "initImage", /128x64/);
  refuses(
    { prompt: "x", initImage: image(64, 64), mask: image(64, 64), maskBlur: 100 },
    "maskBlur",
    /\[0, 64\]/,
  );
});
