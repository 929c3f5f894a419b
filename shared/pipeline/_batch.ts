/**
 * Batching helpers: how many rows a session takes per run (fixed or dynamic batch), splitting a
 * batch into runs of that size (padding the last one), and row concatenation.
 *
 * @module
 */

import type { TensorSpec } from "../tensor/mod.ts";
import type { HostTensor, ModelSession, TensorValue } from "../ort/mod.ts";

/** The input or output called `name`, else the one at `index` (for exports with other names). */
export function ioNamed(
  specs: readonly TensorSpec[],
  name: string,
  index: number,
): TensorSpec {
  const spec = specs.find((s) => s.name === name) ?? specs[index];
  if (!spec) throw new TypeError(`Cannot find model input/output '${name}' (or #${index})`);
  return spec;
}

/** The batch a model accepts per run: a number when the first axis is fixed, `null` if dynamic. */
export function fixedBatch(spec: TensorSpec): number | null {
  const first = spec.shape[0];
  return typeof first === "number" ? first : null;
}

/** One run of a batch split: rows `[start, start + count)` padded to `size` rows. */
export interface BatchRun {
  start: number;
  count: number;
  size: number;
}

/** Splits `rows` into runs of the fixed batch (padding the last), or one run when dynamic. */
export function planRuns(rows: number, capacity: number | null): BatchRun[] {
  if (capacity === null) return [{ start: 0, count: rows, size: rows }];
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `Cannot batch as the model's fixed batch must be ≥ 1: current value is ${capacity}`,
    );
  }
  const runs: BatchRun[] = [];
  for (let start = 0; start < rows; start += capacity) {
    runs.push({ start, count: Math.min(capacity, rows - start), size: capacity });
  }
  return runs;
}

/** Rows `[run.start, run.start + run.count)` of `data`, padded by repeating the last row. */
export function takeRows(data: Float32Array, rowSize: number, run: BatchRun): Float32Array {
  const begin = run.start * rowSize;
  if (run.count === run.size && run.start === 0 && data.length === run.size * rowSize) return data;
  const out = new Float32Array(run.size * rowSize);
  out.set(data.subarray(begin, begin + run.count * rowSize));
  const last = data.subarray(begin + (run.count - 1) * rowSize, begin + run.count * rowSize);
  for (let r = run.count; r < run.size; r++) out.set(last, r * rowSize);
  return out;
}

/** `count` copies of `row`, back to back. */
export function repeatRows(row: Float32Array, count: number): Float32Array {
  const out = new Float32Array(row.length * count);
  for (let r = 0; r < count; r++) out.set(row, r * row.length);
  return out;
}

/** The arrays concatenated. */
export function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `ModelSession.run`, or a wrapper of it (timing). */
export type RunFunction = ModelSession["run"];

/** Runs `run` over `plan`, copying output `outputName`'s first `count` rows of each run. */
export async function runBatched(
  run: RunFunction,
  plan: readonly BatchRun[],
  outputName: string,
  feedsFor: (run: BatchRun, index: number) => Record<string, TensorValue>,
): Promise<HostTensor> {
  const parts: Float32Array[] = [];
  let dims: number[] = [];
  for (const [index, step] of plan.entries()) {
    const out = (await run(feedsFor(step, index), { outputs: [outputName] }))[outputName];
    if (!out || !(out.data instanceof Float32Array)) {
      throw new TypeError(`Cannot read model output '${outputName}' as float data`);
    }
    const rowSize = out.data.length / step.size;
    parts.push(out.data.subarray(0, step.count * rowSize));
    dims = [0, ...out.dims.slice(1)];
  }
  const data = parts.length === 1 ? parts[0]! : concatRows(parts);
  dims[0] = plan.reduce((n, r) => n + r.count, 0);
  return { data, dims };
}
