/**
 * Figures of the benchmark suite: every measured quantity is a {@linkcode Figure} holding the
 * min/median/max over its repeats (and the raw samples), so `results.json` reads the same way for
 * a latency, a throughput or a file size.
 */

import { LoadMeter, settle } from "./_suite_load.ts";

/** min/median/max of a set of samples. */
export interface Stats {
  min: number;
  median: number;
  max: number;
}

/** One measured quantity. */
export interface Figure {
  /** Stable key, e.g. `unet.sd15.64.cpu`. */
  id: string;
  /** Human-readable name for the table. */
  label: string;
  /** The section it belongs to (`limit`, `text_encoder`, `unet`, `vae`, `pipeline`, ...). */
  group: string;
  /** `cpu`, `cuda`, `wasm`, `webgpu`, or `none` for figures that use no tensor backend. */
  backend: string;
  /** Unit of `min`/`median`/`max`/`samples`, e.g. `ms`, `prompts/s`, `bytes`. */
  unit: string;
  /** Repeats behind the statistics (after warm-up). */
  repeats: number;
  min: number;
  median: number;
  max: number;
  samples: number[];
  /** Floating-point operations of one measured call, counted from the graph (MatMul/Gemm/Conv). */
  flops?: number;
  /** Achieved GFLOP/s (flops / time), as min/median/max. */
  gflops?: Stats;
  /** Median achieved GFLOP/s as % of the limit (best MatMul GFLOP/s) of the same backend. */
  percentOfLimit?: number;
  /** Anything else worth keeping (shapes, sizes, counts). */
  details?: Record<string, unknown>;
}

/** A figure that was not measured, and why. */
export interface Skipped {
  id: string;
  reason: string;
}

/** min/median/max of `samples` (the median of an even count is the mean of the middle two). */
export function stats(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new RangeError("Cannot summarise an empty list of samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

/** Options of {@linkcode timeRepeats}. */
export interface TimeRepeatsOptions {
  /** Untimed calls first (session warm-up, shader compilation). @default {1} */
  warmup?: number;
  /** Timed calls. */
  repeats: number;
}

/** What {@linkcode timeRepeats} measured. */
export interface Timed {
  /** Milliseconds of each timed call. */
  samples: number[];
  /** Average cores other processes kept busy during the timed calls. */
  otherCores: number;
  /** Milliseconds spent waiting for a quiet machine first. */
  settleMs: number;
}

/**
 * Milliseconds of each of `repeats` calls of `fn`, after waiting for a quiet machine and making
 * `warmup` untimed calls.
 */
export async function timeRepeats(
  fn: () => Promise<unknown> | unknown,
  options: TimeRepeatsOptions,
): Promise<Timed> {
  const settleMs = await settle();
  for (let i = 0; i < (options.warmup ?? 1); i++) await fn();
  const meter = new LoadMeter();
  meter.start();
  const samples: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return { samples, otherCores: meter.stop(), settleMs };
}

/** The fields a caller supplies for {@linkcode figure}. */
export type FigureInput = Omit<Figure, "min" | "median" | "max" | "repeats" | "samples">;

/** A figure from raw samples. With `flops` and unit `ms`, GFLOP/s are derived too. */
export function figure(input: FigureInput, samples: readonly number[]): Figure {
  const s = stats(samples);
  const out: Figure = { ...input, repeats: samples.length, ...s, samples: round([...samples]) };
  if (input.flops !== undefined && input.unit === "ms") {
    // The fastest run gives the highest throughput.
    out.gflops = {
      min: input.flops / s.max / 1e6,
      median: input.flops / s.median / 1e6,
      max: input.flops / s.min / 1e6,
    };
  }
  return out;
}

function round(values: number[]): number[] {
  return values.map((v) => Math.round(v * 1000) / 1000);
}
