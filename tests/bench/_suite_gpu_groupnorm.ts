/**
 * GroupNorm, the op that dominates a native WebGPU UNet step on SwiftShader (InstanceNormalization
 * is ~74% of its GPU time), as two graphs of the same function: the form the network builder writes
 * (Reshape → InstanceNormalization → Reshape, `models/onnx/nn.ts`) and the same statistics as two
 * ReduceMean passes. Both are timed interleaved on one backend and checked against
 * onnxruntime-node's CPU, to tell whether a GroupNorm rewrite pays on the adapter at hand.
 */

import { encodeModel, GraphBuilder } from "../../models/onnx/mod.ts";
import { type Backend, createBackend, type ModelSession } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import type { FigureInput } from "./_suite_stats.ts";
import { timeRepeats } from "./_suite_stats.ts";

/** The two ways of writing GroupNorm. */
export type GroupNormForm = "instance-norm" | "reduce-mean";

const NO_PARAMETERS = {
  get: (): Float32Array => {
    throw new Error("the GroupNorm probe has no parameters");
  },
};

/** GroupNorm without the affine part over `[n, c, h, w]` in `groups` groups, as ONNX bytes. */
export function groupNormModel(
  form: GroupNormForm,
  dims: readonly [number, number, number, number],
  groups: number,
): Uint8Array {
  const g = new GraphBuilder({ name: `group_norm_${form}`, weights: NO_PARAMETERS });
  const x = g.input("x", "float32", [...dims]);
  const grouped = g.op("Reshape", [x, g.constInt64([0, groups, -1])]);
  let normed;
  if (form === "instance-norm") {
    const zeros = g.constFloat(new Float32Array(groups), [groups]);
    const ones = g.constFloat(new Float32Array(groups).fill(1), [groups]);
    normed = g.op("InstanceNormalization", [grouped, ones, zeros], { epsilon: 1e-5 });
  } else {
    const mean = g.op("ReduceMean", [grouped], { axes: [2], keepdims: 1 });
    const centred = g.op("Sub", [grouped, mean]);
    const variance = g.op("ReduceMean", [g.op("Mul", [centred, centred])], {
      axes: [2],
      keepdims: 1,
    });
    const eps = g.constFloat(Float32Array.of(1e-5), []);
    normed = g.op("Div", [centred, g.op("Sqrt", [g.op("Add", [variance, eps])])]);
  }
  g.output(g.op("Reshape", [normed, g.op("Shape", [x])]), "y", "float32", [...dims]);
  return encodeModel(g).model;
}

/** Where the measurement reports to (the GPU suite's run). */
export interface GroupNormSink {
  add(input: FigureInput, samples: number[]): Promise<void>;
  skip(id: string, error: unknown): void;
}

/** Times both forms interleaved on `backend` (named `name`) and records their error vs the CPU. */
export async function measureGroupNormForms(
  sink: GroupNormSink,
  target: { name: string; backend: Backend },
  options: { dims: readonly [number, number, number, number]; groups: number; repeats: number },
): Promise<void> {
  const forms: GroupNormForm[] = ["instance-norm", "reduce-mean"];
  const count = options.dims.reduce((a, b) => a * b, 1);
  const x = {
    data: Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37) * 3 + 1),
    dims: [...options.dims],
  };
  const sessions: ModelSession[] = [];
  const cpu = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    const reference = await cpu.createSession(groupNormModel("instance-norm", ...shape(options)));
    const expected = (await reference.run({ x })).y!.data as Float32Array;
    for (const form of forms) {
      sessions.push(await target.backend.createSession(groupNormModel(form, ...shape(options))));
    }
    const samples = forms.map(() => [] as number[]);
    const outputs: Float32Array[] = [];
    await timeRepeats(async () => {
      for (const [i, session] of sessions.entries()) {
        const start = performance.now();
        outputs[i] = (await session.run({ x })).y!.data as Float32Array;
        samples[i]!.push(performance.now() - start);
      }
    }, { warmup: 2, repeats: options.repeats });
    for (const [i, form] of forms.entries()) {
      const maxError = outputs[i]!.reduce((m, v, j) => Math.max(m, Math.abs(v - expected[j]!)), 0);
      await sink.add({
        id: `groupnorm.${form}.${target.name}`,
        label: `GroupNorm [${options.dims}] in ${options.groups} groups as ${form} ` +
          `(max error vs CPU ${maxError.toExponential(1)})`,
        group: "groupnorm",
        backend: target.name,
        unit: "ms",
        details: { maxErrorVsCpu: maxError, dims: options.dims, groups: options.groups },
      }, samples[i]!.slice(-options.repeats));
    }
  } catch (error) {
    sink.skip(`groupnorm.${target.name}`, error);
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
    await cpu.dispose();
  }
}

function shape(
  options: { dims: readonly [number, number, number, number]; groups: number },
): [readonly [number, number, number, number], number] {
  return [options.dims, options.groups];
}
