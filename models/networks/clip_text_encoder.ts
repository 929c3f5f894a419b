/**
 * transformers' `CLIPTextModel` as an ONNX graph: token + position embeddings, pre-LayerNorm
 * transformer layers with a causal mask, QuickGELU MLPs, and the final LayerNorm. Outputs
 * `last_hidden_state` and `pooler_output` (the hidden state at the first EOS, found as the argmax
 * of the ids because EOS is the largest id), the I/O of the standard diffusers ONNX export.
 *
 * @module
 */

import {
  attention,
  gelu,
  GraphBuilder,
  layerNorm,
  linear,
  quickGelu,
  type Value,
  type WeightSource,
} from "../onnx/mod.ts";

/** Options of {@linkcode buildClipTextEncoder}. */
export interface BuildClipTextEncoderOptions {
  /** Storage type of the weights. @default {"float32"} */
  weightDType?: "float32" | "float16";
  /** Element type of the float outputs. @default {"float32"} */
  ioDType?: "float32" | "float16";
}

interface ClipTextSpec {
  hidden: number;
  intermediate: number;
  heads: number;
  layers: number;
  positions: number;
  vocab: number;
  eps: number;
  act: "quick_gelu" | "gelu";
}

function integer(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot build the text encoder as '${key}' must be a positive integer: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function parseSpec(config: Record<string, unknown>): ClipTextSpec {
  const hidden = integer(config, "hidden_size", 512);
  const heads = integer(config, "num_attention_heads", 8);
  if (hidden % heads !== 0) {
    throw new RangeError(
      `Cannot build the text encoder as 'hidden_size' (${hidden}) is not divisible by 'num_attention_heads' (${heads})`,
    );
  }
  const act = config.hidden_act ?? "quick_gelu";
  if (act !== "quick_gelu" && act !== "gelu") {
    throw new RangeError(
      `Cannot build the text encoder as 'hidden_act' must be "quick_gelu" or "gelu": current value is ${
        JSON.stringify(act)
      }`,
    );
  }
  const eps = config.layer_norm_eps ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0)) {
    throw new RangeError(`Cannot build the text encoder as 'layer_norm_eps' must be positive`);
  }
  return {
    hidden,
    heads,
    act,
    eps,
    intermediate: integer(config, "intermediate_size", 2048),
    layers: integer(config, "num_hidden_layers", 12),
    positions: integer(config, "max_position_embeddings", 77),
    vocab: integer(config, "vocab_size", 49408),
  };
}

/** Additive causal mask [S, S]: 0 on and below the diagonal, float32 min above it. */
function causalMask(g: GraphBuilder, sequence: Value): Value {
  const range = g.op("Range", [g.constInt64([0], []), sequence, g.constInt64([1], [])]);
  const rows = g.op("Unsqueeze", [range, g.constInt64([1])]);
  const cols = g.op("Unsqueeze", [range, g.constInt64([0])]);
  const above = g.op("Greater", [cols, rows]);
  return g.op("Where", [above, g.constFloat([-3.4028234663852886e38]), g.constFloat([0])]);
}

/**
 * Builds the CLIP text encoder from a transformers `CLIPTextConfig` object (`config.json` keys).
 *
 * @example Usage
 * ```ts ignore
 * const g = buildClipTextEncoder(config, await openSafetensors("text_encoder/model.safetensors"));
 * await writeModel(g, "out/text_encoder");
 * ```
 */
export function buildClipTextEncoder(
  config: Record<string, unknown>,
  weights: WeightSource,
  options: BuildClipTextEncoderOptions = {},
): GraphBuilder {
  const spec = parseSpec(config);
  const g = new GraphBuilder({
    name: "text_encoder",
    weights,
    ...(options.weightDType ? { weightDType: options.weightDType } : {}),
    ...(options.ioDType ? { ioDType: options.ioDType } : {}),
  });
  const { hidden, heads } = spec;
  const ids = g.input("input_ids", "int32", ["batch", "sequence"]);
  const sequence = g.op("Squeeze", [
    g.op("Shape", [ids], { start: 1, end: 2 }),
    g.constInt64([0]),
  ]);
  const tokens = g.op("Gather", [
    g.param("text_model.embeddings.token_embedding.weight", [spec.vocab, hidden]),
    ids,
  ], { axis: 0 });
  const positions = g.op("Slice", [
    g.param("text_model.embeddings.position_embedding.weight", [spec.positions, hidden]),
    g.constInt64([0]),
    g.op("Unsqueeze", [sequence, g.constInt64([0])]),
    g.constInt64([0]),
  ]);
  let x = g.op("Add", [tokens, positions]);
  const mask = causalMask(g, sequence);
  for (let i = 0; i < spec.layers; i++) {
    const p = `text_model.encoder.layers.${i}`;
    const normed = layerNorm(g, x, `${p}.layer_norm1`, { dim: hidden, eps: spec.eps });
    const proj = (name: string, input: Value) =>
      linear(g, input, `${p}.self_attn.${name}`, { inFeatures: hidden, outFeatures: hidden });
    const attended = attention(
      g,
      proj("q_proj", normed),
      proj("k_proj", normed),
      proj("v_proj", normed),
      {
        heads,
        scale: (hidden / heads) ** -0.5,
        mask,
      },
    );
    x = g.op("Add", [x, proj("out_proj", attended)]);
    const h = layerNorm(g, x, `${p}.layer_norm2`, { dim: hidden, eps: spec.eps });
    const up = linear(g, h, `${p}.mlp.fc1`, { inFeatures: hidden, outFeatures: spec.intermediate });
    const act = spec.act === "quick_gelu" ? quickGelu(g, up) : gelu(g, up);
    x = g.op("Add", [
      x,
      linear(g, act, `${p}.mlp.fc2`, { inFeatures: spec.intermediate, outFeatures: hidden }),
    ]);
  }
  const last = layerNorm(g, x, "text_model.final_layer_norm", { dim: hidden, eps: spec.eps });
  const eos = g.op("Unsqueeze", [
    g.op("ArgMax", [ids], { axis: -1, keepdims: 0 }),
    g.constInt64([1]),
  ]);
  const pooled = g.op("GatherND", [last, eos], { batch_dims: 1 });
  g.output(last, "last_hidden_state", "float32", ["batch", "sequence", hidden]);
  g.output(pooled, "pooler_output", "float32", ["batch", hidden]);
  return g;
}
