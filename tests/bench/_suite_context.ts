/**
 * What every section of the suite receives: the mode, the opened backends, the measured machine
 * limits, and the sinks for figures, skipped measurements and free-form results (profiles,
 * memory, sizes).
 */

import type { BackendName, BenchBackend } from "./_suite_backends.ts";
import type { LimitProbe } from "./_suite_limit.ts";
import type { Figure, Skipped } from "./_suite_stats.ts";

/** `quick`: the CI subset (tiny models only, few repeats). `full`: everything. */
export type SuiteMode = "quick" | "full";

/** State shared by the sections of one run. */
export class SuiteContext {
  readonly mode: SuiteMode;
  /** The onnxruntime-node device: `cpu`, or `cuda` on a GPU host. */
  readonly device: "cpu" | "cuda";
  /** Where full-size benchmark models are cached. */
  readonly cacheDir: string;
  readonly backends: readonly BenchBackend[];
  readonly figures: Figure[] = [];
  readonly skipped: Skipped[] = [];
  /** Results that are not a single figure (profiles, memory reports). */
  readonly extra: Record<string, unknown> = {};
  /** Best GFLOP/s of the large MatMul per backend (the machine limit), set by `finish()`. */
  limits = new Map<BackendName, number>();
  /** The MatMul sessions measuring the limit through the run (`limit` section). */
  probe: LimitProbe | null = null;
  #log: (line: string) => void;

  constructor(options: {
    mode: SuiteMode;
    device: "cpu" | "cuda";
    cacheDir: string;
    backends: readonly BenchBackend[];
    log: (line: string) => void;
  }) {
    this.mode = options.mode;
    this.device = options.device;
    this.cacheDir = options.cacheDir;
    this.backends = options.backends;
    this.#log = options.log;
  }

  /** Whether this is the quick (CI) subset. */
  get quick(): boolean {
    return this.mode === "quick";
  }

  /** The opened backend called `name`, or `undefined`. */
  backend(name: BackendName): BenchBackend | undefined {
    return this.backends.find((b) => b.name === name);
  }

  /** The server backend (`cpu` or `cuda`) when it opened. */
  get server(): BenchBackend | undefined {
    return this.backend(this.device);
  }

  /** Records a figure. */
  add(figure: Figure): void {
    this.figures.push(figure);
    const gflops = figure.gflops ? `, ${fmt(figure.gflops.median)} GFLOP/s` : "";
    this.#log(
      `  ${figure.label} [${figure.backend}]: median ${fmt(figure.median)} ${figure.unit}` +
        ` (min ${fmt(figure.min)}, max ${fmt(figure.max)}, n=${figure.repeats})${gflops}`,
    );
  }

  /** Measures the limit of `name` again (cheap), before a network that will be compared to it. */
  async refreshLimit(name: BackendName): Promise<void> {
    await this.probe?.measure(name, 5);
  }

  /**
   * Ends the run: measures every limit once more, puts the limit figures first, and adds to each
   * figure with FLOPs its median GFLOP/s as % of the best MatMul run on its backend.
   */
  async finish(): Promise<void> {
    if (!this.probe) return;
    for (const bench of this.backends) await this.probe.measure(bench.name, 5);
    this.limits = this.probe.limits();
    this.figures.unshift(...this.probe.figures());
    await this.probe.release();
    this.probe = null;
    for (const figure of this.figures) {
      const limit = this.limits.get(figure.backend as BackendName);
      if (figure.gflops && limit) {
        figure.percentOfLimit = Math.round((figure.gflops.median / limit) * 1000) / 10;
      }
    }
  }

  /** Records a measurement that was not taken, and why. */
  skip(id: string, reason: string): void {
    this.skipped.push({ id, reason });
    this.#log(`  skipped ${id}: ${reason}`);
  }

  log(line: string): void {
    this.#log(line);
  }
}

function fmt(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}
