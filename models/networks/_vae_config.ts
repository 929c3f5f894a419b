/**
 * Reads a diffusers `AutoencoderKL` `config.json` (snake_case keys) into a frozen description,
 * rejecting block types and settings the VAE builders do not implement.
 *
 * @module
 */

/** A resolved `AutoencoderKL` configuration. */
export interface VaeSpec {
  inChannels: number;
  outChannels: number;
  latentChannels: number;
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  normNumGroups: number;
  /**
   * `force_upcast` (diffusers' default true): the VAE's attention is computed in float32 under
   * float16 compute. (diffusers runs the whole VAE in float32 then; the convolutions here stay
   * float16, which a browser's memory needs.)
   */
  forceUpcast: boolean;
}

type Raw = Record<string, unknown>;

/** Parses and validates a VAE `config.json` object. */
export function parseVaeConfig(raw: Raw): VaeSpec {
  const blockOutChannels = raw["block_out_channels"] ?? [64];
  if (
    !Array.isArray(blockOutChannels) || blockOutChannels.length === 0 ||
    !blockOutChannels.every(Number.isInteger)
  ) {
    throw new TypeError(
      `Cannot build VAE as 'block_out_channels' must be a list of integers: current value is ${
        JSON.stringify(blockOutChannels)
      }`,
    );
  }
  const n = blockOutChannels.length;
  expectTypes(raw, "down_block_types", "DownEncoderBlock2D", n);
  expectTypes(raw, "up_block_types", "UpDecoderBlock2D", n);
  const act = raw["act_fn"] ?? "silu";
  if (act !== "silu") {
    throw new TypeError(
      `Cannot build VAE as 'act_fn' must be "silu": current value is ${JSON.stringify(act)}`,
    );
  }
  for (const key of ["use_quant_conv", "use_post_quant_conv", "mid_block_add_attention"]) {
    if (raw[key] === false) {
      throw new TypeError(`Cannot build VAE as '${key}' must be true: current value is false`);
    }
  }
  return Object.freeze({
    inChannels: int(raw, "in_channels", 3),
    outChannels: int(raw, "out_channels", 3),
    latentChannels: int(raw, "latent_channels", 4),
    blockOutChannels: blockOutChannels as number[],
    layersPerBlock: int(raw, "layers_per_block", 1),
    normNumGroups: int(raw, "norm_num_groups", 32),
    forceUpcast: raw["force_upcast"] !== false,
  });
}

function int(raw: Raw, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TypeError(
      `Cannot build VAE as '${key}' must be a positive integer: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function expectTypes(raw: Raw, key: string, type: string, n: number): void {
  const value = raw[key] ?? Array.from({ length: n }, () => type);
  if (!Array.isArray(value) || value.length !== n || !value.every((t) => t === type)) {
    throw new TypeError(
      `Cannot build VAE as '${key}' must list ${n} × "${type}": current value is ${
        JSON.stringify(value)
      }`,
    );
  }
}
