/**
 * Reads a diffusers `UNet2DConditionModel` `config.json` (snake_case keys, as shipped) into a
 * frozen, fully resolved description: per-block lists expanded, diffusers' defaults filled in, and
 * features this builder does not implement rejected with a clear error.
 *
 * @module
 */

/** One down or up block of the UNet, resolved. */
export interface UnetBlockSpec {
  type: string;
  crossAttention: boolean;
  numLayers: number;
  heads: number;
  crossAttentionDim: number;
  transformerLayers: number;
}

/** A fully resolved `UNet2DConditionModel` configuration. */
export interface UnetSpec {
  inChannels: number;
  outChannels: number;
  blockOutChannels: readonly number[];
  down: readonly UnetBlockSpec[];
  /** Up blocks in execution order (deepest first). */
  up: readonly UnetBlockSpec[];
  mid: UnetBlockSpec | null;
  normNumGroups: number;
  normEps: number;
  flipSinToCos: boolean;
  freqShift: number;
  timeEmbedDim: number;
  convInKernel: number;
  convOutKernel: number;
  downsamplePadding: 0 | 1;
  centerInputSample: boolean;
  useLinearProjection: boolean;
  midBlockScaleFactor: number;
  /**
   * Width of the extra timestep condition (`time_cond_proj_dim`, LCM-distilled UNets: the guidance
   * embedding), `null` without one.
   */
  timeCondProjDim: number | null;
  /** `upcast_attention`: attention in float32 under float16 compute (SD 2.1). */
  upcastAttention: boolean;
}

type Raw = Record<string, unknown>;

const DOWN_TYPES = new Set(["CrossAttnDownBlock2D", "DownBlock2D"]);
const UP_TYPES = new Set(["CrossAttnUpBlock2D", "UpBlock2D"]);

/** Settings that must keep their default value, since the builder does not implement others. */
const UNSUPPORTED: [string, unknown][] = [
  ["act_fn", "silu"],
  ["time_embedding_type", "positional"],
  ["resnet_time_scale_shift", "default"],
  ["attention_type", "default"],
  ["class_embed_type", null],
  ["addition_embed_type", null],
  ["encoder_hid_dim", null],
  ["time_embedding_act_fn", null],
  ["timestep_post_act", null],
  ["num_class_embeds", null],
  ["cross_attention_norm", null],
  ["dual_cross_attention", false],
  ["only_cross_attention", false],
  ["resnet_skip_time_act", false],
  ["class_embeddings_concat", false],
  ["resnet_out_scale_factor", 1],
];

/** Parses and validates a UNet `config.json` object. */
export function parseUnetConfig(raw: Raw): UnetSpec {
  for (const [key, expected] of UNSUPPORTED) {
    const value = raw[key] ?? expected;
    if (value !== expected) {
      throw new TypeError(invalid(key, JSON.stringify(expected), value));
    }
  }
  const blockOutChannels = numberList(raw, "block_out_channels", [320, 640, 1280, 1280]);
  const n = blockOutChannels.length;
  const downTypes = stringList(raw, "down_block_types", n, DOWN_TYPES);
  const upTypes = stringList(raw, "up_block_types", n, UP_TYPES);
  // diffusers: `num_attention_heads = num_attention_heads or attention_head_dim`.
  const heads = perBlock(
    raw,
    raw["num_attention_heads"] != null ? "num_attention_heads" : "attention_head_dim",
    n,
    8,
  );
  const layers = perBlock(raw, "layers_per_block", n, 2);
  const crossDims = perBlock(raw, "cross_attention_dim", n, 1280);
  const tLayers = perBlock(raw, "transformer_layers_per_block", n, 1);
  const reverseTLayers = raw["reverse_transformer_layers_per_block"] == null
    ? [...tLayers].reverse()
    : perBlock(raw, "reverse_transformer_layers_per_block", n, 1);
  const down = downTypes.map((type, i) => ({
    type,
    crossAttention: type === "CrossAttnDownBlock2D",
    numLayers: layers[i]!,
    heads: heads[i]!,
    crossAttentionDim: crossDims[i]!,
    transformerLayers: tLayers[i]!,
  }));
  const r = (list: number[], i: number) => list[n - 1 - i]!;
  const up = upTypes.map((type, i) => ({
    type,
    crossAttention: type === "CrossAttnUpBlock2D",
    numLayers: r(layers, i) + 1,
    heads: r(heads, i),
    crossAttentionDim: r(crossDims, i),
    transformerLayers: reverseTLayers[i]!,
  }));
  const midType = raw["mid_block_type"] === undefined
    ? "UNetMidBlock2DCrossAttn"
    : raw["mid_block_type"];
  if (midType !== null && midType !== "UNetMidBlock2DCrossAttn") {
    throw new TypeError(invalid("mid_block_type", '"UNetMidBlock2DCrossAttn" or null', midType));
  }
  const mid = midType === null ? null : {
    type: midType,
    crossAttention: true,
    numLayers: 1,
    heads: heads[n - 1]!,
    crossAttentionDim: crossDims[n - 1]!,
    transformerLayers: tLayers[n - 1]!,
  };
  const downsamplePadding = num(raw, "downsample_padding", 1);
  if (downsamplePadding !== 0 && downsamplePadding !== 1) {
    throw new RangeError(invalid("downsample_padding", "0 or 1", downsamplePadding));
  }
  const spec: UnetSpec = {
    inChannels: num(raw, "in_channels", 4),
    outChannels: num(raw, "out_channels", 4),
    blockOutChannels,
    down,
    up,
    mid,
    normNumGroups: num(raw, "norm_num_groups", 32),
    normEps: num(raw, "norm_eps", 1e-5),
    flipSinToCos: bool(raw, "flip_sin_to_cos", true),
    freqShift: num(raw, "freq_shift", 0),
    timeEmbedDim: raw["time_embedding_dim"] == null
      ? blockOutChannels[0]! * 4
      : num(raw, "time_embedding_dim", 0),
    convInKernel: num(raw, "conv_in_kernel", 3),
    convOutKernel: num(raw, "conv_out_kernel", 3),
    downsamplePadding,
    centerInputSample: bool(raw, "center_input_sample", false),
    useLinearProjection: bool(raw, "use_linear_projection", false),
    midBlockScaleFactor: num(raw, "mid_block_scale_factor", 1),
    upcastAttention: bool(raw, "upcast_attention", false),
    timeCondProjDim: raw["time_cond_proj_dim"] == null ? null : positive(raw, "time_cond_proj_dim"),
  };
  return Object.freeze(spec);
}

function num(raw: Raw, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(invalid(key, "a number", value));
  }
  return value;
}

function positive(raw: Raw, key: string): number {
  const value = raw[key];
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new TypeError(invalid(key, "a positive integer or null", value));
  }
  return value as number;
}

function bool(raw: Raw, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(invalid(key, "a boolean", value));
  }
  return value;
}

function numberList(raw: Raw, key: string, fallback: number[]): number[] {
  const value = raw[key] ?? fallback;
  if (!Array.isArray(value) || value.length === 0 || !value.every(Number.isInteger)) {
    throw new TypeError(invalid(key, "a list of integers", value));
  }
  return value as number[];
}

/** An int-or-list setting expanded to one value per block. */
function perBlock(raw: Raw, key: string, n: number, fallback: number): number[] {
  const value = raw[key] ?? fallback;
  const list = typeof value === "number" ? Array.from({ length: n }, () => value) : value;
  if (!Array.isArray(list) || list.length !== n || !list.every(Number.isInteger)) {
    throw new TypeError(invalid(key, `an integer or ${n} integers`, value));
  }
  return list as number[];
}

function stringList(raw: Raw, key: string, n: number, allowed: Set<string>): string[] {
  const value = raw[key];
  if (
    !Array.isArray(value) || value.length !== n ||
    !value.every((t) => typeof t === "string" && allowed.has(t))
  ) {
    throw new TypeError(invalid(key, `${n} block types among ${[...allowed].join(", ")}`, value));
  }
  return value as string[];
}

function invalid(key: string, expected: string, value: unknown): string {
  return `Cannot build UNet as '${key}' must be ${expected}: current value is ${
    JSON.stringify(value)
  }`;
}
