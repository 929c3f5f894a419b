/**
 * Schedule math shared by every scheduler: betas, ᾱ (alphas_cumprod), σ tables, timestep spacing,
 * interpolation and Karras σ. diffusers builds these with float32 torch ops and float64 numpy ops;
 * each function here reproduces the precision of the op it stands for, so schedules match
 * diffusers value for value rather than merely to a tolerance.
 *
 * @module
 */

import type { SchedulerConfig, TimestepSpacing } from "./types.ts";

const f32 = Math.fround;

/**
 * `torch.linspace(start, end, steps, dtype=float32)` on an x86 CPU: float32 `step`, values filled
 * from both ends towards the middle in AVX2 vectors of 8. Each vector's base is the scalar
 * formula as a fused multiply-add; its lanes add `k · step` rounded separately; the tail that
 * does not fill two vectors uses the scalar formula.
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const fused = (i: number) => i < halfway ? f32(s + step * i) : f32(e - step * (steps - i - 1));
  const lanes = 8;
  let i = 0;
  for (; i + 2 * lanes <= steps; i += 2 * lanes) {
    for (const base of [i, i + lanes]) {
      const first = fused(base);
      for (let k = 0; k < lanes; k++) out[base + k] = f32(first + f32(k * step));
    }
  }
  for (; i < steps; i++) out[i] = fused(i);
  return out;
}

/** diffusers' `betas_for_alpha_bar` with the cosine transform (squaredcos_cap_v2), in float64. */
function cosineBetas(count: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number) => Math.cos((t + 0.008) / 1.008 * Math.PI / 2) ** 2;
  const betas = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    betas[i] = Math.min(1 - alphaBar((i + 1) / count) / alphaBar(i / count), maxBeta);
  }
  return betas;
}

/** Rescales betas to zero terminal SNR (Lin et al. 2024, Algorithm 1), in float32. */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const roots = alphasCumprod(betas).map(Math.sqrt);
  const first = roots[0]!;
  const last = roots[roots.length - 1]!;
  const scale = f32(first / f32(first - last));
  const bars = roots.map((r) => {
    const shifted = f32(f32(r - last) * scale);
    return f32(shifted * shifted);
  });
  return bars.map((bar, i) => f32(1 - (i === 0 ? bar : f32(bar / bars[i - 1]!))));
}

/** The float32 betas of a configuration (`trained_betas` win over `beta_schedule`). */
export function betasFor(config: Readonly<SchedulerConfig>): Float32Array {
  const n = config.numTrainTimesteps;
  let betas: Float32Array;
  if (config.trainedBetas !== null) betas = Float32Array.from(config.trainedBetas);
  else if (config.betaSchedule === "linear") {
    betas = torchLinspaceF32(config.betaStart, config.betaEnd, n);
  } else if (config.betaSchedule === "scaled_linear") {
    betas = torchLinspaceF32(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n)
      .map((b) => b * b);
  } else betas = cosineBetas(n);
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** ᾱₜ = ∏(1 − βᵢ): float32 alphas, accumulated in float64 like torch's CPU `cumprod`. */
export function alphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= f32(1 - betas[i]!);
    out[i] = product;
  }
  return out;
}

/** σₜ = √((1 − ᾱₜ) / ᾱₜ) per training timestep, in float32. */
export function trainSigmas(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((a) => Math.sqrt(f32(f32(1 - a) / a)));
}

/** `np.log` over a float32 array: float32 results. */
export function logF32(values: Float32Array): Float32Array {
  return values.map(Math.log);
}

/** numpy's `round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `np.linspace(start, stop, num)` in float64, `stop` included exactly. */
export function numpyLinspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/** `np.arange(start, stop, step)` in float64 (numpy fills from the first two values). */
function numpyArange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = (start + step) - start;
  return Array.from({ length }, (_, i) => i === 0 ? start : start + i * delta);
}

/**
 * How diffusers' schedulers spread timesteps:
 * - `"discrete"`: DDIM and PNDM — integer timesteps, `linspace` rounded;
 * - `"sigma"`: the Euler family and LMS — float32 timesteps, `linspace` not rounded;
 * - `"multistep"`: DPM-Solver, UniPC, DEIS — `n + 1` points with the last dropped.
 */
export type SpacingStyle = "discrete" | "sigma" | "multistep";

/** The config fields timestep spacing reads. */
export type SpacingConfig = Pick<SchedulerConfig, "numTrainTimesteps" | "stepsOffset"> & {
  timestepSpacing: TimestepSpacing;
};

/** Inference timesteps, descending, for `count` steps over `config.numTrainTimesteps`. */
export function spacedTimesteps(
  config: SpacingConfig,
  count: number,
  style: SpacingStyle,
  lastTimestep: number = config.numTrainTimesteps,
): number[] {
  const train = config.numTrainTimesteps;
  const multistep = style === "multistep";
  const points = multistep ? count + 1 : count;
  const trim = (values: number[]) => multistep ? values.slice(0, -1) : values;
  switch (config.timestepSpacing) {
    case "linspace": {
      const grid = numpyLinspace(0, (multistep ? lastTimestep : train) - 1, points);
      const values = grid.map((v) => style === "sigma" ? f32(v) : roundHalfEven(v));
      return trim(values.reverse());
    }
    case "leading": {
      const ratio = Math.floor((multistep ? lastTimestep : train) / points);
      const values = Array.from({ length: points }, (_, i) => i * ratio).reverse();
      return trim(values).map((v) => v + config.stepsOffset);
    }
    case "trailing": {
      const start = multistep ? lastTimestep : train;
      return numpyArange(start, 0, -train / count).map((v) => roundHalfEven(v) - 1);
    }
  }
}

/** `np.interp(x, arange(len(table)), table)` in float64. */
export function interpolate(x: number, table: ArrayLike<number>): number {
  const last = table.length - 1;
  if (!(x < last)) return table[last]!;
  if (x <= 0) return table[0]!;
  const j = Math.floor(x);
  const slope = table[j + 1]! - table[j]!;
  return slope * (x - j) + table[j]!;
}

/** Karras et al. (2022) σ ramp with ρ = 7 from `sigmaMax` down to `sigmaMin`, in float64. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return numpyLinspace(0, 1, count).map((ramp) => (maxInv + ramp * (minInv - maxInv)) ** rho);
}

/**
 * The fractional training timestep of `sigma`, interpolating linearly in log σ between the two
 * neighbouring entries of `logSigmas` (ascending, float32) like diffusers' `_sigma_to_t`, whose
 * search compares in float32.
 */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const probe = f32(logSigma);
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigmas[i]! <= probe) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lowValue = logSigmas[low]!;
  const w = Math.min(1, Math.max(0, (lowValue - logSigma) / f32(lowValue - logSigmas[low + 1]!)));
  return (1 - w) * low + w * (low + 1);
}

/** Options of {@linkcode sigmaSchedule}. */
export interface SigmaScheduleOptions {
  /** Replace the interpolated σ by a Karras ramp (and timesteps by their inverse). */
  karras: boolean;
  /** Round the Karras timesteps to integers (KDPM2 does, Euler, Heun and LMS do not). */
  roundKarrasTimesteps: boolean;
  /** Karras ramp bounds; `null` takes them from the interpolated σ. */
  sigmaMin: number | null;
  sigmaMax: number | null;
}

/**
 * The σ-based schedule of the Euler family and LMS: σ interpolated (float64) at the spaced
 * float32 timesteps, optionally replaced by a Karras ramp. The final σ is left to the caller.
 */
export function sigmaSchedule(
  timesteps: number[],
  table: Float32Array,
  options: SigmaScheduleOptions,
): { timesteps: number[]; sigmas: number[] } {
  const sigmas = timesteps.map((t) => interpolate(t, table));
  if (!options.karras) return { timesteps, sigmas };
  const logSigmas = logF32(table);
  const ramp = karrasSigmas(
    options.sigmaMin ?? sigmas[sigmas.length - 1]!,
    options.sigmaMax ?? sigmas[0]!,
    timesteps.length,
  );
  const times = ramp.map((s) => sigmaToT(s, logSigmas));
  return {
    timesteps: times.map((t) => options.roundKarrasTimesteps ? roundHalfEven(t) : f32(t)),
    sigmas: ramp,
  };
}

/** Options of {@linkcode multistepSchedule}. */
export interface MultistepScheduleOptions {
  /** The σ after the last step: 0, the table's σ at timestep 0, or the last inference σ. */
  final: "zero" | "table_min" | "last";
  /** Karras ramp bounds (UniPC reads them from its config); `null` takes the table's ends. */
  sigmaMin?: number | null;
  sigmaMax?: number | null;
  /** Exclusive upper bound of the timesteps (DPM-Solver's λ clipping). */
  lastTimestep?: number;
}

/**
 * The schedule of the multistep solvers (DPM-Solver, UniPC, DEIS): integer timesteps and
 * float32 σ per step plus a final σ, from the training σ table.
 */
export function multistepSchedule(
  config: Readonly<SchedulerConfig>,
  count: number,
  table: Float32Array,
  options: MultistepScheduleOptions,
): { timesteps: number[]; sigmas: Float32Array } {
  let timesteps = spacedTimesteps(config, count, "multistep", options.lastTimestep);
  let sigmas: number[];
  if (config.useKarrasSigmas) {
    const logSigmas = logF32(table);
    sigmas = karrasSigmas(
      options.sigmaMin ?? table[0]!,
      options.sigmaMax ?? table[table.length - 1]!,
      count,
    );
    timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, logSigmas)));
  } else sigmas = timesteps.map((t) => interpolate(t, table));
  const final = options.final === "zero"
    ? 0
    : options.final === "table_min"
    ? table[0]!
    : sigmas[sigmas.length - 1]!;
  return { timesteps, sigmas: Float32Array.of(...sigmas, final) };
}

/**
 * torch's float32 `exp` on an x86 CPU (SLEEF's `expf_u10` with FMA): within 1 ulp, and not always
 * the correctly rounded value `Math.fround(Math.exp(x))` gives. Used where an `exp` result becomes
 * a timestep that must equal diffusers' exactly.
 */
export function torchExpF32(x: number): number {
  const d = f32(x);
  if (d < -104) return 0;
  if (d > 100) return Infinity;
  if (Number.isNaN(d)) return NaN;
  const fma = (a: number, b: number, c: number) => f32(a * b + c);
  const q = Math.round(f32(d * f32(Math.LOG2E)));
  let s = fma(q, f32(-0.693145751953125), d);
  s = fma(q, f32(-1.428606765330187045e-6), s);
  let u = f32(0.000198527617612853646278381);
  for (
    const c of [
      0.00139304355252534151077271,
      0.00833336077630519866943359,
      0.0416664853692054748535156,
      0.166666671633720397949219,
      0.5,
    ]
  ) u = fma(u, s, f32(c));
  u = f32(1 + fma(f32(s * s), u, s));
  return f32(u * 2 ** q);
}

const LOG_P = [
  0,
  9.999999999999998702752e-01,
  2.112677543073053063722e+00,
  1.480000633576506585156e+00,
  3.808837741388407920751e-01,
  2.589979117907922693523e-02,
].map(f32);
const LOG_Q = [
  1,
  2.612677543073109236779e+00,
  2.453006071784736363091e+00,
  9.864942958519418960339e-01,
  1.546476374983906719538e-01,
  5.875095403124574342950e-03,
].map(f32);

/**
 * numpy's float32 `np.log` on x86 (its AVX2/AVX512F kernel: mantissa in [√½, √2), a degree-5
 * rational approximation, FMA throughout): up to ~4 ulp from the correctly rounded value.
 * DEIS evaluates its coefficients with it, and their cancellations amplify any difference.
 */
export function numpyLogF32(x: number): number {
  const value = f32(x);
  if (!(value > 0) || value === Infinity) return Math.log(value);
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value < 2 ** -126 ? value * 2 ** 100 : value);
  const bits = view.getUint32(0);
  let exponent = ((bits >>> 23) & 0xff) - 126 - (value < 2 ** -126 ? 100 : 0);
  view.setUint32(0, (bits & 0x007fffff) | 0x3f000000);
  let m = view.getFloat32(0);
  if (m < f32(Math.SQRT1_2)) {
    m = f32(m + m);
    exponent -= 1;
  }
  const y = f32(m - 1);
  const fma = (a: number, b: number, c: number) => f32(a * b + c);
  let num = LOG_P[5]!;
  let den = LOG_Q[5]!;
  for (let k = 4; k >= 0; k--) {
    num = fma(num, y, LOG_P[k]!);
    den = fma(den, y, LOG_Q[k]!);
  }
  return fma(exponent, f32(Math.LN2), f32(num / den));
}
