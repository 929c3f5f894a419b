/**
 * Reads onnxruntime profiler traces (Chrome trace JSON: one event per kernel) into "where the time
 * goes" tables: kernel time per op type and per run, with the warm-up runs left out. On the CPU
 * the `Node` events are the kernels' wall time; on WebGPU they are only the CPU side (recording
 * and dispatch) and the `Api` events carry GPU time from timestamp queries, named
 * `<node>&<op type>&<WGSL program>`.
 */

/** One event of an onnxruntime trace. */
export interface TraceEvent {
  cat: string;
  name: string;
  /** Start, microseconds. */
  ts: number;
  /** Duration, microseconds. */
  dur: number;
  args?: Record<string, unknown>;
}

/** Time of one op type (or program) per run. */
export interface OpTime {
  op: string;
  /** Milliseconds per run. */
  ms: number;
  /** Share of the reference total (run time on CPU, GPU time on WebGPU), in %. */
  percent: number;
  /** Kernel launches per run. */
  count: number;
}

/** A profile summarised over the measured runs. */
export interface ProfileBreakdown {
  /** Measured runs (warm-up excluded). */
  runs: number;
  /** Mean `model_run` duration, ms. */
  runMs: number;
  /** Mean sum of `Node` kernel times per run, ms (CPU side). */
  kernelMs: number;
  /** `Node` kernel time per op type, largest first, % of `runMs`. */
  byOp: OpTime[];
  /** Mean GPU time per run (sum of `Api` timestamp events), ms, when the trace has any. */
  gpuMs?: number;
  /** GPU time per op type, % of `gpuMs`. */
  gpuByOp?: OpTime[];
  /** GPU time per WGSL program, % of `gpuMs`. */
  gpuByProgram?: OpTime[];
}

/** The trace events printed one per line (onnxruntime-web's `endProfiling()` output). */
export function parseTraceLines(lines: readonly string[]): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const line of lines) {
    const text = line.trim().replace(/,$/, "");
    if (!text.startsWith('{"cat"')) continue;
    try {
      events.push(JSON.parse(text) as TraceEvent);
    } catch {
      // A line cut by other output is dropped; a profile is a statistic, not a record.
    }
  }
  return events;
}

function table(
  entries: { key: string; dur: number }[],
  runs: number,
  total: number,
): OpTime[] {
  const byKey = new Map<string, { us: number; count: number }>();
  for (const { key, dur } of entries) {
    const entry = byKey.get(key) ?? { us: 0, count: 0 };
    entry.us += dur;
    entry.count++;
    byKey.set(key, entry);
  }
  return [...byKey].map(([op, { us, count }]) => ({
    op,
    ms: round(us / 1000 / runs),
    percent: total > 0 ? round((100 * us / 1000 / runs) / total) : 0,
    count: Math.round(count / runs),
  })).sort((a, b) => b.ms - a.ms);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Summarises a trace, dropping the first `skipRuns` runs (warm-up, shader compilation). */
export function aggregateTrace(
  events: readonly TraceEvent[],
  options: { skipRuns: number },
): ProfileBreakdown {
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run")
    .sort((a, b) => a.ts - b.ts);
  const measured = runs.slice(options.skipRuns);
  if (measured.length === 0) {
    throw new RangeError(
      `Cannot summarise a trace with ${runs.length} runs after skipping ${options.skipRuns}`,
    );
  }
  // An event belongs to the run that started last before it (GPU timestamps may land after the
  // run's CPU side returned).
  const from = measured[0]!.ts;
  const inMeasured = (e: TraceEvent) => e.ts >= from;
  const count = measured.length;
  const runMs = measured.reduce((sum, e) => sum + e.dur, 0) / 1000 / count;
  const nodes = events.filter((e) => e.cat === "Node" && inMeasured(e));
  const kernelMs = nodes.reduce((sum, e) => sum + e.dur, 0) / 1000 / count;
  const breakdown: ProfileBreakdown = {
    runs: count,
    runMs: round(runMs),
    kernelMs: round(kernelMs),
    byOp: table(
      nodes.map((e) => ({ key: String(e.args?.op_name ?? e.name), dur: e.dur })),
      count,
      runMs,
    ),
  };
  const gpu = events.filter((e) => e.cat === "Api" && inMeasured(e));
  if (gpu.length > 0) {
    const gpuMs = gpu.reduce((sum, e) => sum + e.dur, 0) / 1000 / count;
    breakdown.gpuMs = round(gpuMs);
    const part = (e: TraceEvent, i: number) => e.name.split("&")[i] ?? e.name;
    breakdown.gpuByOp = table(gpu.map((e) => ({ key: part(e, 1), dur: e.dur })), count, gpuMs);
    breakdown.gpuByProgram = table(
      gpu.map((e) => ({ key: part(e, 2), dur: e.dur })),
      count,
      gpuMs,
    );
  }
  return breakdown;
}
