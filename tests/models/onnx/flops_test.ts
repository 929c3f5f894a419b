import assert from "node:assert/strict";
import { buildClipTextEncoder, buildUnet, buildVaeDecoder } from "../../../models/networks/mod.ts";
import {
  attention,
  conv2d,
  countFlops,
  GraphBuilder,
  inferShapes,
  linear,
} from "../../../models/onnx/mod.ts";
import { SHAPE_ONLY_WEIGHTS } from "../../../models/weights/mod.ts";
import { readFixtureJson } from "../../_fixtures.ts";

const SD15_TEXT_ENCODER = new URL(
  "../../../models/configs/sd15/text_encoder.json",
  import.meta.url,
);

/** conv 3→5 (3×3, stride 2, pad 1), flatten to tokens, linear 5→7 and self-attention. */
function convLinearGraph(): GraphBuilder {
  const g = new GraphBuilder({ name: "mixed", weights: SHAPE_ONLY_WEIGHTS });
  const x = g.input("x", "float32", ["batch", 3, "height", "width"]);
  const y = conv2d(g, x, "conv", {
    inChannels: 3,
    outChannels: 5,
    kernelSize: 3,
    stride: 2,
    padding: 1,
  });
  const tokens = g.op("Transpose", [g.op("Reshape", [y, g.constInt64([0, 5, -1])])], {
    perm: [0, 2, 1],
  });
  const h = linear(g, tokens, "proj", { inFeatures: 5, outFeatures: 8 });
  const a = attention(g, h, h, h, { heads: 2, channels: 8 });
  g.output(a, "y", "float32", ["batch", "tokens", 8]);
  return g;
}

Deno.test("inferShapes() follows Conv strides and Reshape targets to the outputs", () => {
  const shapes = inferShapes(convLinearGraph(), { x: [2, 3, 8, 6] });
  assert.deepEqual(shapes.get("y"), [2, 12, 8]); // ⌊(8 + 2 − 3)/2⌋ + 1 = 4, by 3 → 12 tokens
});

Deno.test("countFlops() counts Conv and MatMul multiply-adds by hand formula", () => {
  const { multiplyAdds, flops, byOpType } = countFlops(convLinearGraph(), { x: [2, 3, 8, 6] });
  const conv = 2 * 5 * (4 * 3) * 3 * 3 * 3; // N·Cout·pixels·Cin·k²
  const proj = 2 * 12 * 5 * 8; // tokens · in · out
  const scores = 2 * 2 * 12 * 12 * 4; // batch · heads · Sq · Sk · head width
  const mix = 2 * 2 * 12 * 4 * 12; // batch · heads · Sq · head width · Sk
  assert.deepEqual(byOpType, { Conv: conv, MatMul: proj + scores + mix });
  assert.equal(multiplyAdds, conv + proj + scores + mix);
  assert.equal(flops, 2 * multiplyAdds);
});

Deno.test("countFlops() on the SD 1.5 text encoder matches the transformer formula", async () => {
  const config = JSON.parse(await Deno.readTextFile(SD15_TEXT_ENCODER));
  const g = buildClipTextEncoder(config, SHAPE_ONLY_WEIGHTS);
  const [d, inner, layers, s] = [768, 3072, 12, 77];
  // Per layer: q, k, v, out projections (4·S·d²), the MLP (2·S·d·inner), scores and mixing (2·S²·d).
  const perLayer = 4 * s * d * d + 2 * s * d * inner + 2 * s * s * d;
  assert.equal(countFlops(g, { input_ids: [1, s] }).multiplyAdds, layers * perLayer);
  const shapes = inferShapes(g, { input_ids: [3, s] });
  assert.deepEqual(shapes.get("last_hidden_state"), [3, s, d]);
  assert.deepEqual(shapes.get("pooler_output"), [3, d]);
});

Deno.test("inferShapes() rejects missing and mis-shaped inputs and unknown ops", () => {
  const g = convLinearGraph();
  assert.throws(() => inferShapes(g, {}), /input 'x' has no shape/);
  assert.throws(() => inferShapes(g, { x: [2, 4, 8, 8] }), /'x' must have shape \[batch,3,/);
  const odd = new GraphBuilder({ name: "odd", weights: SHAPE_ONLY_WEIGHTS });
  odd.output(odd.op("Hardmax", [odd.input("x", "float32", [2])]), "y", "float32", [2]);
  assert.throws(() => countFlops(odd, { x: [2] }), /unsupported op 'Hardmax'/);
});

Deno.test("inferShapes() resolves the tiny UNet and VAE decoder to the golden output shapes", async () => {
  const index = await readFixtureJson<{
    cases: { name: string; outputs: Record<string, { shape: number[] }> }[];
  }>("models/tiny-sd-reference/golden/index.json");
  const golden = (name: string, output: string) =>
    index.cases.find((c) => c.name === name)!.outputs[output]!.shape;
  const config = (c: string) =>
    readFixtureJson<Record<string, unknown>>(`models/tiny-sd-reference/diffusers/${c}/config.json`);
  const unet = buildUnet(await config("unet"), SHAPE_ONLY_WEIGHTS);
  const unetShapes = inferShapes(unet, {
    sample: [2, 4, 8, 8],
    timestep: [2],
    encoder_hidden_states: [2, 77, 32],
  });
  assert.deepEqual(unetShapes.get("out_sample"), golden("unet_t999_500", "out_sample"));
  const decoder = buildVaeDecoder(await config("vae"), SHAPE_ONLY_WEIGHTS);
  const decoded = inferShapes(decoder, { latent_sample: [2, 4, 8, 8] }).get("sample");
  assert.deepEqual(decoded, golden("vae_decoder", "sample"));
});

Deno.test("countFlops() counts a fused MultiHeadAttention like the MatMuls it replaces", () => {
  const build = (fusedAttention: boolean) => {
    const g = new GraphBuilder({ name: "attn", weights: SHAPE_ONLY_WEIGHTS, fusedAttention });
    const q = g.input("q", "float32", [2, 64, 40]);
    const kv = g.input("kv", "float32", [2, 77, 40]);
    g.output(attention(g, q, kv, kv, { heads: 5, channels: 40 }), "y", "float32", [2, 64, 40]);
    return g;
  };
  const shapes = { q: [2, 64, 40], kv: [2, 77, 40] };
  const standard = countFlops(build(false), shapes);
  const fused = countFlops(build(true), shapes);
  assert.equal(standard.multiplyAdds, 2 * 64 * 77 * 40 * 2);
  assert.equal(fused.multiplyAdds, standard.multiplyAdds);
  assert.deepEqual(Object.keys(fused.byOpType), ["MultiHeadAttention"]);
  assert.deepEqual(inferShapes(build(true), shapes).get("y"), [2, 64, 40]);
});
