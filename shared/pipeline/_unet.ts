/**
 * The UNet side of the denoising loop: feeds built from the model's own I/O metadata (timestep
 * int64 or float, scalar or `[batch]`; fixed or dynamic batch), the text embeddings uploaded once
 * per generation, and the time spent inside `session.run` accounted for.
 *
 * @module
 */

import type { TensorSpec } from "../tensor/mod.ts";
import type { DeviceTensor, HostTensor, ModelSession, TensorValue } from "../ort/mod.ts";
import {
  type BatchRun,
  fixedBatch,
  ioNamed,
  planRuns,
  runBatched,
  type RunFunction,
  takeRows,
} from "./_batch.ts";

/** Options of {@linkcode prepareUnet}. */
export interface PrepareUnetOptions {
  /** `encoder_hidden_states` for all `rows` rows, row-major. */
  embeddings: Float32Array;
  /** Rows per prediction: `2 × batch` with guidance, `batch` without. */
  rows: number;
  /** Latent `[channels, height, width]`. */
  latentShape: readonly [number, number, number];
  keepOnDevice: boolean;
  /**
   * One row of the UNet's `timestep_cond` input (LCM: the guidance-scale embedding), fed to every
   * row at every step; required when the UNet has that input.
   */
  timestepCond?: Float32Array;
}

/** The UNet's extra timestep-condition input (LCM-distilled UNets), if it has one. */
export function timestepCondSpec(unet: Pick<ModelSession, "inputs">): TensorSpec | undefined {
  return unet.inputs.find((spec) => spec.name === "timestep_cond");
}

/** Predicts noise for all rows at one timestep. */
export interface UnetRunner {
  predict(sample: Float32Array, timestep: number): Promise<Float32Array>;
  /** Milliseconds spent in `session.run` so far. */
  readonly runMs: number;
  dispose(): void;
}

function timestepFeed(spec: TensorSpec, timestep: number, size: number): HostTensor {
  if (spec.shape.length === 0) return { data: Float32Array.of(timestep), dims: [] };
  const first = spec.shape[0];
  const count = typeof first === "number" ? first : size;
  return { data: new Float32Array(count).fill(timestep), dims: [count] };
}

/** Builds the feeds plan for one generation and uploads the embeddings. */
export async function prepareUnet(
  unet: ModelSession,
  options: PrepareUnetOptions,
): Promise<UnetRunner> {
  const sampleSpec = ioNamed(unet.inputs, "sample", 0);
  const timestepSpec = ioNamed(unet.inputs, "timestep", 1);
  const hiddenSpec = ioNamed(unet.inputs, "encoder_hidden_states", 2);
  const outputName = ioNamed(unet.outputs, "out_sample", 0).name;
  const [channels, height, width] = options.latentShape;
  const sampleRow = channels * height * width;
  const hiddenRow = options.embeddings.length / options.rows;
  const seq = hiddenSpec.shape.length === 3 && typeof hiddenSpec.shape[1] === "number"
    ? hiddenSpec.shape[1]
    : 77;
  const plan = planRuns(options.rows, fixedBatch(sampleSpec) ?? fixedBatch(hiddenSpec));
  const condSpec = timestepCondSpec(unet);
  const condRow = options.timestepCond;
  if (condSpec !== undefined && condRow === undefined) {
    throw new TypeError(`Cannot run the UNet as its input '${condSpec.name}' was not given`);
  }
  const condFor = (run: BatchRun): Record<string, HostTensor> => {
    if (condSpec === undefined || condRow === undefined) return {};
    const data = new Float32Array(run.size * condRow.length);
    for (let r = 0; r < run.size; r++) data.set(condRow, r * condRow.length);
    return { [condSpec.name]: { data, dims: [run.size, condRow.length] } };
  };
  const hiddenFor = (run: BatchRun): HostTensor => ({
    data: takeRows(options.embeddings, hiddenRow, run),
    dims: [run.size, seq, hiddenRow / seq],
  });
  const resident: DeviceTensor[] = [];
  try {
    if (options.keepOnDevice) {
      for (const run of plan) {
        resident.push(await unet.createDeviceTensor(hiddenSpec.name, hiddenFor(run)));
      }
    }
  } catch (error) {
    for (const tensor of resident) tensor.dispose();
    throw error;
  }
  let runMs = 0;
  const timed: RunFunction = async (feeds, runOptions) => {
    const start = performance.now();
    try {
      return await unet.run(feeds, runOptions);
    } finally {
      runMs += performance.now() - start;
    }
  };
  return {
    get runMs() {
      return runMs;
    },
    async predict(sample, timestep) {
      const out = await runBatched(
        timed,
        plan,
        outputName,
        (run, index): Record<string, TensorValue> => ({
          [sampleSpec.name]: {
            data: takeRows(sample, sampleRow, run),
            dims: [run.size, channels, height, width],
          },
          [timestepSpec.name]: timestepFeed(timestepSpec, timestep, run.size),
          [hiddenSpec.name]: resident[index] ?? hiddenFor(run),
          ...condFor(run),
        }),
      );
      return out.data as Float32Array;
    },
    dispose() {
      for (const tensor of resident.splice(0)) tensor.dispose();
    },
  };
}
