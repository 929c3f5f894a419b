import assert from "node:assert/strict";
import {
  encodeSafetensors,
  openSafetensors,
  writeSafetensors,
} from "../../../models/weights/mod.ts";
import { fromFloat16Bits } from "../../../shared/tensor/mod.ts";
import { fixturePath } from "../../_fixtures.ts";

async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("encodeSafetensors() → openSafetensors() round-trips every tensor bit for bit", async () => {
  const a = Float32Array.from([1.5, -2, 3.25, Number.MIN_VALUE, -0]);
  const b = Float32Array.from({ length: 12 }, (_, i) => Math.fround(i / 7));
  const path = await tempFile(
    encodeSafetensors({ "a.weight": { shape: [5], data: a }, b: { shape: [3, 4], data: b } }),
  );
  const weights = await openSafetensors(path);
  assert.deepEqual(weights.names().sort(), ["a.weight", "b"]);
  assert.deepEqual(new Uint8Array(weights.get("a.weight", [5])!.buffer), new Uint8Array(a.buffer));
  assert.deepEqual(new Uint8Array(weights.get("b", [3, 4])!.buffer), new Uint8Array(b.buffer));
  assert.deepEqual(weights.unused(), []);
  weights.close();
  await Deno.remove(path);
});

Deno.test("openSafetensors() re-encodes the reference checkpoint byte-identically", async () => {
  const path = fixturePath(
    "models/tiny-sd-reference/diffusers/vae/diffusion_pytorch_model.safetensors",
  );
  const weights = await openSafetensors(path);
  const tensors = Object.fromEntries(
    weights.names().map((name) => {
      const shape = weights.entry(name)!.shape;
      return [name, { shape, data: weights.get(name, shape)! }];
    }),
  );
  weights.close();
  assert.deepEqual(encodeSafetensors(tensors), await Deno.readFile(path));
});

Deno.test("openSafetensors() names missing and mis-shaped tensors", async () => {
  const path = await tempFile(
    encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(4) } }),
  );
  const weights = await openSafetensors(path);
  assert.throws(() => weights.get("conv.weight", [2, 2]), /Missing tensor 'conv.weight'/);
  assert.throws(() => weights.get("w", [4]), /'w'.*shape \[2,2\], expected \[4\]/);
  assert.deepEqual(weights.unused(), ["w"]);
  weights.close();
  await Deno.remove(path);
});

Deno.test("openSafetensors() rejects truncated files and bad headers", async () => {
  const good = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } });
  const truncated = await tempFile(good.slice(0, good.length - 4));
  const weights = await openSafetensors(truncated);
  assert.throws(() => weights.get("w", [4]), /inconsistent|truncated/);
  weights.close();
  const garbage = await tempFile(
    new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 34, 120, 0, 0, 0, 0, 0]),
  );
  await assert.rejects(() => openSafetensors(garbage), /not valid JSON/);
  const huge = await tempFile(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]));
  await assert.rejects(() => openSafetensors(huge), /out of range/);
  await Promise.all([truncated, garbage, huge].map((p) => Deno.remove(p)));
});

Deno.test("F16 and BF16 tensors are widened to float32", async () => {
  const header = JSON.stringify({
    h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
    b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
  }).padEnd(128, " ");
  const bytes = new Uint8Array(8 + 128 + 6);
  new DataView(bytes.buffer).setBigUint64(0, 128n, true);
  bytes.set(new TextEncoder().encode(header), 8);
  const data = new DataView(bytes.buffer, 136);
  data.setUint16(0, 0x3c00, true); // 1
  data.setUint16(2, 0xc100, true); // -2.5
  data.setUint16(4, 0x4049, true); // bf16 3.140625
  const path = await tempFile(bytes);
  const weights = await openSafetensors(path);
  assert.deepEqual([...weights.get("h", [2])!], [1, -2.5]);
  assert.deepEqual([...weights.get("b", [1])!], [3.140625]);
  assert.equal(fromFloat16Bits(0x0001), 2 ** -24);
  weights.close();
  await Deno.remove(path);
});

Deno.test("writeSafetensors() streams the reference checkpoint back byte-identically", async () => {
  const path = fixturePath("models/tiny-sd-reference/diffusers/text_encoder/model.safetensors");
  const source = await openSafetensors(path);
  const shapes = new Map(source.names().map((n) => [n, source.entry(n)!.shape]));
  const out = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    const bytes = await writeSafetensors(out, shapes, source);
    assert.deepEqual(source.unused(), []);
    const written = await Deno.readFile(out);
    assert.equal(written.byteLength, bytes);
    assert.deepEqual(written, await Deno.readFile(path));
  } finally {
    source.close();
    await Deno.remove(out);
  }
});

Deno.test("writeSafetensors() leaves no file behind when the source lacks a tensor", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const shapes = new Map([["a", [2]], ["b", [3]]]);
    const source = { get: (name: string) => (name === "a" ? new Float32Array(2) : null) };
    await assert.rejects(() => writeSafetensors(`${dir}/x.safetensors`, shapes, source), /'b'/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openSafetensors() names a tensor of an unsupported dtype", async () => {
  const header = JSON.stringify({ i: { dtype: "I64", shape: [1], data_offsets: [0, 8] } })
    .padEnd(64, " ");
  const bytes = new Uint8Array(8 + 64 + 8);
  new DataView(bytes.buffer).setBigUint64(0, 64n, true);
  bytes.set(new TextEncoder().encode(header), 8);
  const path = await tempFile(bytes);
  const weights = await openSafetensors(path);
  assert.throws(() => weights.get("i", [1]), /'i'.*I64 is not F32, F16 or BF16/);
  weights.close();
  await Deno.remove(path);
});
