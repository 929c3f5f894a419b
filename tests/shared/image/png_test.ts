import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  encodePng,
  formatParameters,
  readPngParameters,
  toRgba,
} from "../../../shared/image/mod.ts";
import { crc32 } from "../../../shared/image/_png_chunks.ts";
import { readGolden } from "../../_npy.ts";
import { readFixtureBytes } from "../../_fixtures.ts";

const PARAMETERS = formatParameters({
  prompt: "a photo of a cat",
  negativePrompt: "blurry",
  steps: 25,
  sampler: "Euler a",
  cfgScale: 7.5,
  seed: 42,
  width: 64,
  height: 64,
  model: "tiny-sd",
});

async function goldenImage(): Promise<Uint8ClampedArray> {
  const sample = await readGolden("e2e.decoded_sample.npy");
  return toRgba(sample.data as Float32Array, { width: 64, height: 64 });
}

/** Chunk types of a PNG in file order. */
function chunkTypes(png: Uint8Array): string[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) {
    types.push(String.fromCharCode(...png.subarray(at + 4, at + 8)));
  }
  return types;
}

Deno.test("encodePng() round-trips pixels and the parameters chunk through fast-png", async () => {
  const rgba = await goldenImage();
  const png = encodePng(rgba, { width: 64, height: 64, parameters: PARAMETERS });
  const decoded = decode(png, { checkCrc: true });
  assert.equal(decoded.width, 64);
  assert.equal(decoded.height, 64);
  assert.equal(decoded.channels, 4);
  assert.equal(decoded.depth, 8);
  assert.deepEqual(new Uint8Array(decoded.data), new Uint8Array(rgba.buffer));
  assert.equal(decoded.text.parameters, PARAMETERS);
  assert.equal(readPngParameters(png), PARAMETERS);
});

Deno.test("encodePng() puts the parameters tEXt right after IHDR, before IDAT", async () => {
  const png = encodePng(await goldenImage(), { width: 64, height: 64, parameters: PARAMETERS });
  const types = chunkTypes(png);
  assert.deepEqual(types.slice(0, 2), ["IHDR", "tEXt"]);
  assert.ok(types.indexOf("IDAT") > 1);
  assert.equal(types.at(-1), "IEND");
});

Deno.test("encodePng() writes non-Latin-1 parameters as a UTF-8 iTXt chunk", () => {
  const text = "一只猫 🐱\nSteps: 1, Sampler: Euler, CFG scale: 1.0, Seed: 1, Size: 1x1";
  const png = encodePng(new Uint8Array([1, 2, 3, 255]), { width: 1, height: 1, parameters: text });
  assert.deepEqual(chunkTypes(png).slice(0, 2), ["IHDR", "iTXt"]);
  decode(png, { checkCrc: true });
  assert.equal(readPngParameters(png), text);
});

Deno.test("readPngParameters() gives null without parameters and rejects non-PNG data", () => {
  const png = encodePng(new Uint8ClampedArray(16), { width: 2, height: 2 });
  assert.equal(readPngParameters(png), null);
  assert.deepEqual(chunkTypes(png).filter((t) => t === "tEXt" || t === "iTXt"), []);
  assert.throws(() => readPngParameters(new Uint8Array([1, 2, 3])), TypeError);
});

Deno.test("encodePng() rejects pixel buffers of the wrong size", () => {
  assert.throws(() => encodePng(new Uint8Array(15), { width: 2, height: 2 }), RangeError);
  assert.throws(() => encodePng(new Uint8Array(0), { width: 0, height: 0 }), RangeError);
});

Deno.test("crc32() matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("the PNG of the golden sample has the pixels of diffusers' saved e2e image", async () => {
  const reference = decode(await readFixtureBytes("models/tiny-sd-reference/golden/e2e.image.png"));
  assert.equal(reference.depth, 8);
  const ours = decode(encodePng(await goldenImage(), { width: 64, height: 64 }));
  const step = reference.channels;
  for (let p = 0; p < 64 * 64; p++) {
    for (let c = 0; c < 3; c++) {
      assert.equal(ours.data[4 * p + c], reference.data[step * p + c], `pixel ${p} channel ${c}`);
    }
  }
});
