import assert from "node:assert/strict";
import { checkParams, resolveParams } from "../../../client/sdk/_request.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";

const manifest = {
  id: "tiny-sd",
  vaeScaleFactor: 8,
  defaults: { steps: 10, guidanceScale: 7.5, width: 64, height: 64, scheduler: "pndm" },
} as ModelManifest;

Deno.test("checkParams() keeps a given seed exactly, including seeds above 2^53", () => {
  assert.equal(checkParams({ prompt: "a", seed: 42 }).seed, "42");
  assert.equal(
    checkParams({ prompt: "a", seed: "18446744073709551615" }).seed,
    "18446744073709551615",
  );
  assert.equal(checkParams({ prompt: "a", seed: 2n ** 60n }).seed, String(2n ** 60n));
});

Deno.test("checkParams() draws a 32-bit seed when none is given, different across calls", () => {
  const seeds = new Set(Array.from({ length: 8 }, () => checkParams({ prompt: "a" }).seed));
  for (const seed of seeds) assert.ok(BigInt(seed) >= 0n && BigInt(seed) < 2n ** 32n);
  assert.ok(seeds.size > 1);
});

Deno.test("checkParams() rejects bad input with messages naming the field and value", () => {
  assert.throws(() => checkParams({ prompt: "  " }), TypeError);
  assert.throws(
    () => checkParams({ prompt: "a", steps: 0 }),
    {
      name: "RangeError",
      message: "Cannot generate as 'steps' must be an integer in [1, 1000]: current value is 0",
    },
  );
  assert.throws(
    () => checkParams({ prompt: "a", seed: -1 }),
    /'seed' must be an integer in \[0, 2\^64 - 1\]/,
  );
  assert.throws(() => checkParams({ prompt: "a", seed: "2".repeat(21) }), RangeError);
  assert.throws(() => checkParams({ prompt: "a", guidanceScale: Number.NaN }), /'guidanceScale'/);
});

Deno.test("resolveParams() fills absent fields from the manifest's defaults and keeps given ones", () => {
  const resolved = resolveParams(checkParams({ prompt: "a cat", seed: 7, steps: 4 }), manifest);
  assert.deepEqual(resolved, {
    model: "tiny-sd",
    prompt: "a cat",
    negativePrompt: "",
    steps: 4,
    guidanceScale: 7.5,
    seed: "7",
    width: 64,
    height: 64,
    scheduler: "pndm",
  });
});

Deno.test("resolveParams() rejects sides that are not multiples of the VAE scale factor", () => {
  assert.throws(
    () => resolveParams(checkParams({ prompt: "a", width: 100 }), manifest),
    { message: "Cannot generate as 'width' must be a multiple of 8: current value is 100" },
  );
});
