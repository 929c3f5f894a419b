/**
 * `deno task models <command>`: the model registry from the command line. Commands: `add`,
 * `list`, `build`, `pull`, `convert`, `verify`; `--help` on each. Environment (`SD_MODELS_DIR`, `HF_TOKEN`,
 * `HF_ENDPOINT`) is read here, at the entry point, and passed down as options. Exit codes: 0 ok,
 * 1 failure, 2 bad input (always one readable line on stderr, never a stack trace).
 *
 * @module
 */

import { addModel } from "./add/mod.ts";
import { convertDiffusers } from "./convert/mod.ts";
import {
  createPullReporter,
  DownloadIntegrityError,
  formatBytes,
  HubPullError,
  parseRepoRef,
  pullModel,
} from "./hub/mod.ts";
import {
  defaultCacheDir,
  EMBEDDED_MODELS,
  ensureEmbedded,
  findModel,
  listLocalModels,
  ModelNotFoundError,
  verifyModel,
} from "./registry/mod.ts";
import { parseVariant } from "./registry/variants.ts";
import { schedulerNames } from "../shared/schedulers/mod.ts";
import {
  EMBEDDED_IDS,
  expectPositionals,
  parseArgs,
  type Parsed,
  USAGE,
  UsageError,
} from "./_cli_args.ts";

export { UsageError };

/** What the CLI touches outside itself, injectable for tests. */
export interface ModelsCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The environment variables the CLI reads (`SD_MODELS_DIR`, `HF_TOKEN`, `HF_ENDPOINT`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (one rewritten progress line instead of one line per file). */
  stderrIsTerminal?: boolean;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

function cacheDirOf(parsed: Parsed, io: ModelsCliIo): string {
  const flag = parsed.flags.get("cache-dir");
  return typeof flag === "string" ? flag : io.env.SD_MODELS_DIR || defaultCacheDir();
}

async function list(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  expectPositionals("list", parsed, []);
  const cacheDir = cacheDirOf(parsed, io);
  const entries = await listLocalModels({ cacheDir });
  if (parsed.flags.has("json")) {
    io.stdout(`${JSON.stringify(entries.map((e) => ({ ...e.manifest, id: e.id })), null, 2)}\n`);
    return 0;
  }
  for (const entry of entries) {
    const m = entry.manifest;
    const size = Object.values(m.components).reduce(
      (sum, c) => sum + (c ? c.model.bytes + (c.externalData?.bytes ?? 0) : 0),
      0,
    );
    io.stdout(
      `${entry.id}  ${entry.kind}  ${m.family}  ${m.defaults.width}x${m.defaults.height}  ` +
        `${formatBytes(size)}  ${entry.root}\n`,
    );
  }
  for (const id of Object.keys(EMBEDDED_MODELS)) {
    if (!entries.some((e) => e.id === id)) io.stdout(`${id}  embedded  (built on first use)\n`);
  }
  return 0;
}

async function build(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  const [id] = expectPositionals("build", parsed, ["id"]);
  const model = EMBEDDED_MODELS[id!];
  if (!model) {
    throw new UsageError(
      `Cannot build '${id}': embedded models are ${EMBEDDED_IDS}`,
    );
  }
  const dir = `${cacheDirOf(parsed, io)}/${id}`;
  const started = performance.now();
  await ensureEmbedded(model, dir, {
    force: parsed.flags.has("force"),
    onProgress: (event) => event.stage !== "done" && io.stderr(`  wrote ${event.stage}\n`),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  io.stdout(`${id} ready in ${dir} (${seconds}s)\n`);
  return 0;
}

/** The hub access options of `pull` and `add` from the flags and the environment. */
function hubAccess(parsed: Parsed, io: ModelsCliIo) {
  const retries = parsed.flags.get("retries");
  if (retries !== undefined && !/^\d{1,2}$/.test(String(retries))) {
    throw new UsageError(
      `Option '--retries' must be an integer in [0, 99]: current value is '${retries}'`,
    );
  }
  const token = io.env.HF_TOKEN || undefined;
  if (token !== undefined && !token.startsWith("hf_")) {
    throw new UsageError("HF_TOKEN must be a Hugging Face access token starting with 'hf_'");
  }
  const endpoint = io.env.HF_ENDPOINT || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL: current value is '${endpoint}'`);
  }
  return {
    ...(endpoint ? { hubUrl: endpoint } : {}),
    ...(token ? { accessToken: token } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(retries !== undefined ? { retries: Number(retries) } : {}),
  };
}

/** `--steps`, `--guidance` and `--scheduler` of `add`, checked. */
function addDefaults(flag: (name: string) => string | undefined) {
  const defaults: { steps?: number; guidanceScale?: number; scheduler?: string } = {};
  const steps = flag("steps");
  if (steps !== undefined) {
    if (!/^\d{1,4}$/.test(steps) || Number(steps) < 1) {
      throw new UsageError(`Option '--steps' must be an integer >= 1: current value is '${steps}'`);
    }
    defaults.steps = Number(steps);
  }
  const guidance = flag("guidance");
  if (guidance !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(guidance)) {
      throw new UsageError(
        `Option '--guidance' must be a number >= 0: current value is '${guidance}'`,
      );
    }
    defaults.guidanceScale = Number(guidance);
  }
  const scheduler = flag("scheduler");
  if (scheduler !== undefined) {
    if (!schedulerNames().includes(scheduler)) {
      throw new UsageError(
        `Option '--scheduler' must be one of ${schedulerNames().join(", ")}: current value is ` +
          `'${scheduler}'`,
      );
    }
    defaults.scheduler = scheduler;
  }
  return defaults;
}

async function add(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  const [source] = expectPositionals("add", parsed, ["folder | org/name[@revision]"]);
  const flag = (name: string) => {
    const value = parsed.flags.get(name);
    return typeof value === "string" ? value : undefined;
  };
  const variant = flag("variant");
  const id = flag("id");
  const subfolder = flag("subfolder");
  const license = flag("license");
  const result = await addModel(source!, {
    defaults: addDefaults(flag),
    cacheDir: cacheDirOf(parsed, io),
    hub: hubAccess(parsed, io),
    force: parsed.flags.has("force"),
    ...(id ? { id } : {}),
    ...(variant ? { variant: parseVariant(variant) } : {}),
    ...(subfolder ? { subfolder } : {}),
    ...(license ? { license } : {}),
    onProgress: (event) =>
      io.stderr(
        event.type === "pull"
          ? `  pulling ${event.repo}\n`
          : event.type === "layout"
          ? `  ${event.kind === "onnx" ? "ONNX export" : "diffusers checkpoint"} in ${event.root}\n`
          : `  wrote ${event.path}\n`,
      ),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const m = result.manifest;
  const variants = [m.variant ?? "fp32", ...Object.keys(m.variants ?? {})].join(", ");
  io.stdout(
    `added ${result.id} (${result.kind}, ${m.family}, variants ${variants}, ` +
      `${m.defaults.scheduler} ${m.defaults.steps} steps, guidance ${m.defaults.guidanceScale}) ` +
      `in ${result.root}\n` +
      `serve it: SD_MODELS=${result.id} deno task start\n`,
  );
  return 0;
}

async function pull(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  const [ref] = expectPositionals("pull", parsed, ["org/name[@revision]"]);
  parseRepoRef(ref!);
  const result = await pullModel(ref!, {
    cacheDir: cacheDirOf(parsed, io),
    ...hubAccess(parsed, io),
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: createPullReporter({
      write: io.stderr,
      ...(io.stderrIsTerminal ? { terminal: true } : {}),
    }),
  });
  io.stdout(
    `${result.repo}@${result.commit} ready in ${result.root} ` +
      `(${formatBytes(result.downloadedBytes)} downloaded)\n`,
  );
  return 0;
}

async function convert(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  const [src, out] = expectPositionals("convert", parsed, ["diffusers-dir", "out-dir"]);
  const id = parsed.flags.get("id");
  const license = parsed.flags.get("license");
  const manifest = await convertDiffusers(src!, out!, {
    ...(typeof id === "string" ? { id } : {}),
    ...(typeof license === "string" ? { license } : {}),
    ...(parsed.flags.has("fp16")
      ? { weightDType: "float16" as const, computeDType: "float16" as const }
      : {}),
    fusedAttention: !parsed.flags.has("standard-attention"),
    overwrite: parsed.flags.has("overwrite"),
    onProgress: (event) => io.stderr(`  wrote ${event.path}\n`),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  io.stdout(`converted '${src}' to '${out}' (model id ${manifest.id})\n`);
  return 0;
}

async function verify(parsed: Parsed, io: ModelsCliIo): Promise<number> {
  const [id] = expectPositionals("verify", parsed, ["id"]);
  const { root, manifest } = await findModel(id!, { cacheDir: cacheDirOf(parsed, io) });
  const result = await verifyModel(root, manifest, {
    onFile: (check) => {
      const detail = check.status === "ok"
        ? formatBytes(check.expected.bytes)
        : check.status === "size-mismatch"
        ? `${check.actual?.bytes} bytes, expected ${check.expected.bytes}`
        : check.status === "hash-mismatch"
        ? `sha256 ${check.actual?.sha256}, expected ${check.expected.sha256}`
        : "";
      io.stdout(`${check.status.padEnd(13)} ${check.path}  ${detail}\n`);
    },
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const bad = result.files.filter((f) => f.status !== "ok").length;
  io.stdout(bad === 0 ? `${id}: all ${result.files.length} files ok\n` : `${id}: ${bad} bad\n`);
  return bad === 0 ? 0 : 1;
}

const COMMANDS: Record<string, (parsed: Parsed, io: ModelsCliIo) => Promise<number>> = {
  add,
  list,
  build,
  pull,
  convert,
  verify,
};

/** Errors caused by what the user typed (a wrong name, a missing token): exit code 2. */
function isBadInput(error: unknown): boolean {
  if (error instanceof HubPullError) {
    return error.status === 401 || error.status === 403 || error.status === 404;
  }
  if (error instanceof DownloadIntegrityError) return false;
  return error instanceof UsageError || error instanceof TypeError ||
    error instanceof RangeError || error instanceof ModelNotFoundError;
}

/**
 * Runs the CLI on `args`; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await main(["pull", "org/name"], { stdout, stderr, env: Deno.env.toObject() }));
 * ```
 */
export async function main(args: readonly string[], io: ModelsCliIo): Promise<number> {
  const [command = "", ...rest] = args;
  try {
    if (command === "" || command === "-h" || command === "--help" || command === "help") {
      io.stdout(`${USAGE[""]}\n`);
      return command === "" ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) {
      throw new UsageError(
        `Unknown command '${command}' (expected ${Object.keys(COMMANDS).join(", ")})`,
      );
    }
    const parsed = parseArgs(command, rest);
    if (parsed.flags.has("help")) {
      io.stdout(`${USAGE[command]}\n`);
      return 0;
    }
    return await run(parsed, io);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") {
      io.stderr("error: interrupted\n");
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`error: ${message.split("\n")[0]}\n`);
    return isBadInput(error) ? 2 : 1;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  const encoder = new TextEncoder();
  const code = await main(Deno.args, {
    stdout: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    stderr: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    env: {
      SD_MODELS_DIR: Deno.env.get("SD_MODELS_DIR"),
      HF_TOKEN: Deno.env.get("HF_TOKEN"),
      HF_ENDPOINT: Deno.env.get("HF_ENDPOINT"),
    },
    stderrIsTerminal: Deno.stderr.isTerminal(),
    signal: controller.signal,
  });
  Deno.exit(code);
}
