/**
 * `deno task generate "<prompt>" [options]`: one text-to-image, image-to-image (`--init-image`) or
 * inpainting (`--mask`) run on this machine
 * (onnxruntime-node CPU/CUDA, or onnxruntime-web wasm/WebGPU), written as a PNG that carries
 * its generation parameters (AUTOMATIC1111 `parameters` text chunk). `--help` lists the options.
 *
 * @module
 */

import { loadModel } from "../../models/mod.ts";
import {
  encodePng,
  formatParameters,
  ImageDecodeError,
  type InitImages,
  prepareInitImages,
} from "../../shared/image/mod.ts";
import { createBackend, webRuntime } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { generate, loadPipeline, type PipelineEvent } from "../../shared/pipeline/mod.ts";
import { schedulerNames } from "../../shared/schedulers/mod.ts";
import { type GenerateArgs, parseGenerateArgs, USAGE, UsageError } from "./_args.ts";
import { createProgressReporter } from "./_progress.ts";
import { outputPaths } from "./_output.ts";

/** What the CLI touches outside itself, injectable for tests. */
export interface GenerateCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bar instead of lines). */
  stderrIsTerminal: boolean;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  /** Reads an input file (init image, mask). @default {Deno.readFile} */
  readFile?(path: string): Promise<Uint8Array>;
  /** Model cache directory (`SD_MODELS_DIR`), read once at the entry point. */
  modelsDir?: string;
  signal?: AbortSignal;
}

function checkScheduler(args: GenerateArgs): void {
  if (args.scheduler === undefined) return;
  const known = schedulerNames();
  if (!known.includes(args.scheduler)) {
    throw new UsageError(
      `--scheduler '${args.scheduler}' is unknown: expected one of ${known.join(", ")}`,
    );
  }
}

/** Reads `path` for `--flag`, a missing file being a usage error. */
async function readInput(io: GenerateCliIo, path: string, flag: string): Promise<Uint8Array> {
  try {
    return await (io.readFile ?? Deno.readFile)(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`--${flag} '${path}' does not exist`);
    }
    throw error;
  }
}

/** The init image and mask of the command line, decoded and fitted, or `null` without one. */
async function readInitImages(
  args: GenerateArgs,
  io: GenerateCliIo,
  multiple: number,
): Promise<InitImages | null> {
  if (args.initImage === undefined) return null;
  const bytes = await readInput(io, args.initImage, "init-image");
  const mask = args.mask === undefined ? undefined : await readInput(io, args.mask, "mask");
  try {
    return prepareInitImages(bytes, {
      multiple,
      fields: { image: "--init-image", mask: "--mask" },
      ...(mask ? { mask } : {}),
      ...(args.width !== undefined ? { width: args.width, height: args.height! } : {}),
      ...(args.resizeMode ? { resizeMode: args.resizeMode } : {}),
    });
  } catch (error) {
    if (error instanceof ImageDecodeError) throw new UsageError(error.message);
    throw error;
  }
}

async function run(args: GenerateArgs, io: GenerateCliIo): Promise<void> {
  const signal = io.signal;
  const report = args.quiet
    ? () => {}
    : createProgressReporter({ write: io.stderr, terminal: io.stderrIsTerminal });
  const onProgress = (event: PipelineEvent) => report(event);
  const model = await loadModel(args.model, {
    ...(io.modelsDir !== undefined ? { cacheDir: io.modelsDir } : {}),
    ...(signal ? { signal } : {}),
  });
  const init = await readInitImages(args, io, model.manifest.vaeScaleFactor);
  const backend = await createBackend({
    devices: args.devices,
    runtimes: [webRuntime(), nodeRuntime()],
  });
  try {
    const pipeline = await loadPipeline(model.manifest, {
      backend,
      readFile: (path) => model.readFile(path),
      onProgress,
      ...(signal ? { signal } : {}),
    });
    try {
      const result = await generate(pipeline, {
        prompt: args.prompt,
        batchSize: args.batchSize,
        ...(args.negativePrompt !== undefined ? { negativePrompt: args.negativePrompt } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
        ...(args.steps !== undefined ? { steps: args.steps } : {}),
        ...(args.guidanceScale !== undefined ? { guidanceScale: args.guidanceScale } : {}),
        ...(args.width !== undefined ? { width: args.width, height: args.height! } : {}),
        ...(args.scheduler !== undefined ? { scheduler: args.scheduler } : {}),
        ...(args.eta !== undefined ? { eta: args.eta } : {}),
        ...(init
          ? {
            image: init.image,
            width: init.width,
            height: init.height,
            ...(init.mask ? { mask: init.mask } : {}),
            ...(args.strength !== undefined ? { strength: args.strength } : {}),
          }
          : {}),
      }, { onProgress, ...(signal ? { signal } : {}) });
      const p = result.parameters;
      const parameters = formatParameters({
        prompt: p.prompt,
        negativePrompt: p.negativePrompt,
        steps: p.steps,
        scheduler: p.scheduler,
        cfgScale: p.guidanceScale,
        seed: p.seed,
        width: p.width,
        height: p.height,
        model: p.model,
        ...(p.eta !== undefined ? { eta: p.eta } : {}),
        ...(p.strength !== undefined ? { extra: { "Denoising strength": p.strength } } : {}),
      });
      const paths = outputPaths(args.out, result.images.length);
      for (const [i, image] of result.images.entries()) {
        const png = encodePng(image.rgba, { width: image.width, height: image.height, parameters });
        await io.writeFile(paths[i]!, png);
      }
      const seconds = (result.timings.totalMs / 1000).toFixed(2);
      const mode = p.mode === undefined ? "" : `, ${p.mode} strength ${p.strength}`;
      io.stdout(
        `wrote ${paths.join(", ")} (${p.width}x${p.height}, seed ${p.seed}, ${p.scheduler}, ` +
          `${p.steps} steps${mode}, ${seconds}s on ${backend.device})\n`,
      );
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await backend.dispose();
  }
}

/**
 * Runs the CLI on `args`; resolves to the exit code (0 ok, 1 failure, 2 bad command line, 130
 * interrupted). Errors are printed as one line, never a stack trace.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await main(["a photo of a cat", "--seed", "42", "--out", "cat.png"], io));
 * ```
 */
export async function main(args: readonly string[], io: GenerateCliIo): Promise<number> {
  try {
    const parsed = parseGenerateArgs(args);
    if (parsed.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    checkScheduler(parsed);
    await run(parsed, io);
    return 0;
  } catch (error) {
    if (io.signal?.aborted) {
      io.stderr("\ninterrupted\n");
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`error: ${message.split("\n")[0]}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", interrupt);
  const encoder = new TextEncoder();
  const code = await main(Deno.args, {
    stdout: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    stderr: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    writeFile: (path, bytes) => Deno.writeFile(path, bytes),
    signal: controller.signal,
    ...(Deno.env.get("SD_MODELS_DIR") ? { modelsDir: Deno.env.get("SD_MODELS_DIR")! } : {}),
  });
  Deno.removeSignalListener("SIGINT", interrupt);
  Deno.exit(code);
}
