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
  DEFAULT_LIMITS,
  GenerationError,
  type GenerationField,
  type GenerationLimits,
  type GenerationParams,
  PIPELINE_LIMITS,
  resolveGeneration,
  toPng,
} from "../../shared/generation/mod.ts";
import { ImageDecodeError } from "../../shared/image/decode_image.ts";
import { prepareInitImages } from "../../shared/image/init_images.ts";
import { createBackend, webRuntime } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { samplerName } from "../../shared/schedulers/mod.ts";
import { generate, loadPipeline, type PipelineEvent } from "../../shared/pipeline/mod.ts";
import { parseLimits } from "../config.ts";
import { FLAGS, type GenerateCliArgs, parseGenerateArgs, usage, UsageError } from "./_args.ts";
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
  /** The server's generation limits (`SD_MAX_*`), read once at the entry point. @default {DEFAULT_LIMITS} */
  limits?: GenerationLimits;
  signal?: AbortSignal;
}

/** The limit each field is held to. */
const LIMIT_OF: Partial<Record<GenerationField, keyof GenerationLimits>> = {
  steps: "maxSteps",
  width: "maxSize",
  height: "maxSize",
  batchSize: "maxImages",
  guidanceScale: "maxGuidance",
};

/** Reads `path` for `flag`, a missing file being a usage error. */
async function readInput(io: GenerateCliIo, path: string, flag: string): Promise<Uint8Array> {
  try {
    return await (io.readFile ?? Deno.readFile)(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`${flag} '${path}' does not exist`);
    }
    throw error;
  }
}

/** The generation asked for, with the init image and mask read, decoded and fitted. */
async function withImages(
  args: GenerateCliArgs,
  io: GenerateCliIo,
  multiple: number,
): Promise<GenerateCliArgs["params"]> {
  const { images, params } = args;
  if (images === undefined) return params;
  const bytes = await readInput(io, images.initImage, "--init-image");
  const mask = images.mask === undefined ? undefined : await readInput(io, images.mask, "--mask");
  try {
    const fitted = prepareInitImages(bytes, {
      multiple,
      fields: { image: "--init-image", mask: "--mask" },
      ...(mask ? { mask } : {}),
      ...(params.width !== undefined ? { width: params.width, height: params.height! } : {}),
      ...(images.resizeMode ? { resizeMode: images.resizeMode } : {}),
    });
    return {
      ...params,
      initImage: fitted.image,
      width: fitted.width,
      height: fitted.height,
      ...(fitted.mask ? { mask: fitted.mask } : {}),
    };
  } catch (error) {
    if (error instanceof ImageDecodeError) throw new UsageError(error.message);
    throw error;
  }
}

async function run(args: GenerateCliArgs, io: GenerateCliIo): Promise<void> {
  const signal = io.signal;
  const report = args.quiet
    ? () => {}
    : createProgressReporter({ write: io.stderr, terminal: io.stderrIsTerminal });
  const onProgress = (event: PipelineEvent) => report(event);
  const model = await loadModel(args.params.model, {
    ...(io.modelsDir !== undefined ? { cacheDir: io.modelsDir } : {}),
    ...(signal ? { signal } : {}),
  });
  const limits = args.noLimits ? PIPELINE_LIMITS : io.limits ?? DEFAULT_LIMITS;
  const init = await withImages(args, io, model.manifest.vaeScaleFactor);
  let params: GenerationParams;
  try {
    params = resolveGeneration(init, model.manifest, limits);
  } catch (error) {
    if (!(error instanceof GenerationError)) throw error;
    const size = error.field === "width" || error.field === "height";
    const value = size ? `${args.params.width}x${args.params.height}` : String(error.value);
    const limit = LIMIT_OF[error.field];
    const over = !args.noLimits && limit !== undefined && typeof error.value === "number" &&
      error.value > limits[limit] && error.value <= PIPELINE_LIMITS[limit];
    throw new UsageError(
      `${FLAGS[error.field]} ${error.expectation}: got '${value}'` +
        (over ? " (SD_MAX_* limits; --no-limits allows more)" : ""),
    );
  }
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
      const result = await generate(pipeline, params, {
        limits,
        onProgress,
        ...(signal ? { signal } : {}),
      });
      const p = result.parameters;
      const paths = outputPaths(args.out, result.images.length);
      for (const [i, png] of toPng(result).entries()) await io.writeFile(paths[i]!, png);
      const seconds = (result.timings.totalMs / 1000).toFixed(2);
      const mode = p.initImage === undefined
        ? ""
        : `, ${p.mask === undefined ? "img2img" : "inpaint"} strength ${p.strength}`;
      io.stdout(
        `wrote ${paths.join(", ")} (${p.width}x${p.height}, seed ${p.seed}, ${
          samplerName(p.scheduler)
        }, ` +
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
      io.stdout(`${usage()}\n`);
      return 0;
    }
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
  let limits: GenerationLimits;
  try {
    limits = parseLimits(Deno.env.toObject());
  } catch (error) {
    console.error(
      `error: ${error instanceof Error ? error.message.replace(/\n\s*/g, " ") : error}`,
    );
    Deno.exit(2);
  }
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
    limits,
    ...(Deno.env.get("SD_MODELS_DIR") ? { modelsDir: Deno.env.get("SD_MODELS_DIR")! } : {}),
  });
  Deno.removeSignalListener("SIGINT", interrupt);
  Deno.exit(code);
}
