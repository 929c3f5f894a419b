/**
 * Server configuration: parsed once from the environment at the entry point (`main.ts`,
 * `cli/start.ts`), validated as a whole (every bad variable is reported in one error) and frozen.
 * Nothing else in `functions/` reads the environment.
 *
 * @module
 */

import type { GenerationLimits } from "../shared/generation/mod.ts";
import { DEFAULT_LIMITS, PIPELINE_LIMITS } from "../shared/generation/mod.ts";

/** Token-bucket parameters of one key tier. */
export interface RateLimitTier {
  /** Bucket capacity: requests that may be made at once. */
  burst: number;
  /** Sustained rate: tokens added per minute. */
  perMinute: number;
}

/** Generation bounds of one key tier (the shared `GenerationLimits`). */
export type RequestLimits = GenerationLimits;

/** The validated, frozen server configuration. */
export interface Config {
  readonly port: number;
  readonly hostname: string;
  /** Model ids served; the first is the default model. */
  readonly models: readonly string[];
  /** Model cache directory (`SD_MODELS_DIR`), passed to the registry as `cacheDir`. */
  readonly modelsDir: string | undefined;
  /** JSON file holding the hashed API keys (ignored when `redisUrl` is set). */
  readonly keysPath: string;
  /** Redis URL; when unset, queue, rate limits, caches and keys live in this process. */
  readonly redisUrl: string | undefined;
  /** Origins always allowed by CORS, besides those of publishable keys. */
  readonly allowedOrigins: readonly string[];
  /** Public base URL used in absolute links (file and image URLs); default: the request's origin. */
  readonly publicUrl: string | undefined;
  /** HMAC secret of signed tokens; `undefined` means "generate one per process". */
  readonly jwtSecret: string | undefined;
  /** Longest lifetime of a minted token, in seconds. */
  readonly tokenMaxTtlSeconds: number;
  readonly maxBodyBytes: number;
  /** Body limit of the image uploads (`/v1/images/edits`, `/sdapi/v1/img2img`). */
  readonly maxImageBodyBytes: number;
  readonly maxPromptChars: number;
  readonly limits: { readonly secret: RequestLimits; readonly publishable: RequestLimits };
  readonly rateLimits: { readonly secret: RateLimitTier; readonly publishable: RateLimitTier };
  /** Deadline of non-generation requests, in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Deadline of synchronous generation requests, in milliseconds. */
  readonly generationTimeoutMs: number;
  /** Entries of the in-memory prompt-encoding LRU cache. */
  readonly encodeCacheSize: number;
  /** Jobs that may wait in the queue before `503`. */
  readonly queueCapacity: number;
  /** Render workers started in-process by `deno task start`. */
  readonly workers: number;
  /** CPU threads per render worker; the cores divided among the workers when absent. */
  readonly workerThreads?: number;
  /** Render device: `auto` (CUDA, then WebGPU on a GPU, then CPU), `cpu`, `cuda` or `webgpu`. */
  readonly device: "auto" | "cpu" | "cuda" | "webgpu";
  /** Directory of the built browser client. */
  readonly clientDist: string;
  /** Log one line per request. */
  readonly logRequests: boolean;
}

/** One invalid environment variable. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown by {@linkcode parseConfig} with every invalid variable listed. */
export class ConfigError extends Error {
  /** The invalid variables. */
  readonly issues: readonly ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      `Cannot start as the configuration is invalid:\n` +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** Options of {@linkcode parseConfig}. */
export interface ParseConfigOptions {
  /** Home directory for the default key file. @default env.HOME */
  home?: string;
}

/**
 * Parses and validates the server configuration from environment variables.
 *
 * @example Usage
 * ```ts
 * const config = parseConfig({ PORT: "8080", SD_MODELS: "tiny-sd" });
 * config.port; // 8080
 * ```
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: ParseConfigOptions = {},
): Config {
  const issues: ConfigIssue[] = [];
  const { read, int, list } = envReader(env, issues);

  const port = int("PORT", 8000, 0, 65535);
  const models = list("SD_MODELS", ["toy-shapes"]);
  if (models.length === 0) issues.push({ variable: "SD_MODELS", message: "must list a model id" });
  for (const id of models) {
    if (!/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(id)) {
      issues.push({ variable: "SD_MODELS", message: `'${id}' is not a valid model id` });
    }
  }
  const allowedOrigins = list("SD_ALLOWED_ORIGINS", []);
  for (const origin of allowedOrigins) {
    if (!isOrigin(origin)) {
      issues.push({
        variable: "SD_ALLOWED_ORIGINS",
        message: `'${origin}' is not an origin like https://example.com`,
      });
    }
  }
  const redisUrl = read("SD_REDIS_URL") ?? read("REDIS_URL");
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    issues.push({ variable: "SD_REDIS_URL", message: "must start with redis:// or rediss://" });
  }
  const publicUrl = read("SD_PUBLIC_URL");
  if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
    issues.push({ variable: "SD_PUBLIC_URL", message: `'${publicUrl}' is not a URL` });
  }
  const jwtSecret = read("SD_JWT_SECRET");
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    issues.push({ variable: "SD_JWT_SECRET", message: "must be at least 32 characters" });
  }
  if (jwtSecret === undefined && redisUrl !== undefined) {
    issues.push({
      variable: "SD_JWT_SECRET",
      message: "is required with SD_REDIS_URL so that every instance verifies the same tokens",
    });
  }
  const device = readDevice(read, issues);
  const home = options.home ?? read("HOME") ?? ".";
  const keysPath = read("SD_KEYS_FILE") ?? `${read("XDG_CONFIG_HOME") ?? `${home}/.config`}` +
      "/sd-edge/keys.json";

  const { secret, publishable } = readLimits(int);
  const config: Config = {
    port,
    hostname: read("SD_HOSTNAME") ?? "0.0.0.0",
    models: Object.freeze(models),
    modelsDir: read("SD_MODELS_DIR"),
    keysPath,
    redisUrl,
    allowedOrigins: Object.freeze(allowedOrigins),
    publicUrl: publicUrl?.replace(/\/+$/, ""),
    jwtSecret,
    tokenMaxTtlSeconds: int("SD_TOKEN_MAX_TTL", 3600, 10, 86_400),
    maxBodyBytes: int("SD_MAX_BODY_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024),
    maxImageBodyBytes: int("SD_MAX_IMAGE_BODY_BYTES", 20 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxPromptChars: int("SD_MAX_PROMPT_CHARS", 2000, 1, 100_000),
    limits: Object.freeze({ secret, publishable }),
    rateLimits: Object.freeze({
      secret: Object.freeze({
        burst: int("SD_RATE_SECRET_BURST", 120, 1, 1_000_000),
        perMinute: int("SD_RATE_SECRET_PER_MIN", 600, 1, 6_000_000),
      }),
      publishable: Object.freeze({
        burst: int("SD_RATE_PUBLISHABLE_BURST", 20, 1, 1_000_000),
        perMinute: int("SD_RATE_PUBLISHABLE_PER_MIN", 60, 1, 6_000_000),
      }),
    }),
    requestTimeoutMs: int("SD_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    generationTimeoutMs: int("SD_GENERATION_TIMEOUT_MS", 600_000, 100, 86_400_000),
    encodeCacheSize: int("SD_ENCODE_CACHE_SIZE", 512, 0, 1_000_000),
    queueCapacity: int("SD_QUEUE_CAPACITY", 32, 1, 100_000),
    workers: int("SD_WORKERS", 1, 0, 64),
    ...(read("SD_WORKER_THREADS") === undefined
      ? {}
      : { workerThreads: int("SD_WORKER_THREADS", 1, 1, 1024) }),
    device: device as Config["device"],
    clientDist: read("SD_CLIENT_DIST") ?? "client/dist",
    logRequests: read("SD_LOG_REQUESTS") !== "0",
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(config);
}

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

function envReader(env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[]) {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      issues.push({
        variable: name,
        message: `must be an integer in [${min}, ${max}]: current value is '${raw}'`,
      });
      return fallback;
    }
    return value;
  };
  const list = (name: string, fallback: string[]): string[] => {
    const raw = read(name);
    return raw === undefined ? fallback : raw.split(",").map((s) => s.trim()).filter(Boolean);
  };
  return { read, int, list };
}

function readLimits(int: IntReader): { secret: RequestLimits; publishable: RequestLimits } {
  const top = PIPELINE_LIMITS;
  const secret: RequestLimits = Object.freeze({
    maxSteps: int("SD_MAX_STEPS", DEFAULT_LIMITS.maxSteps, 1, top.maxSteps),
    maxSize: int("SD_MAX_SIZE", DEFAULT_LIMITS.maxSize, 64, 4096),
    maxImages: int("SD_MAX_IMAGES", DEFAULT_LIMITS.maxImages, 1, top.maxImages),
    maxGuidance: int("SD_MAX_GUIDANCE", DEFAULT_LIMITS.maxGuidance, 1, top.maxGuidance),
  });
  const publishable: RequestLimits = Object.freeze({
    maxSteps: int("SD_PK_MAX_STEPS", Math.min(50, secret.maxSteps), 1, top.maxSteps),
    maxSize: int("SD_PK_MAX_SIZE", Math.min(512, secret.maxSize), 64, 4096),
    maxImages: int("SD_PK_MAX_IMAGES", 1, 1, top.maxImages),
    maxGuidance: secret.maxGuidance,
  });
  return { secret, publishable };
}

/**
 * The generation limits of secret keys from `SD_MAX_*`: what the CLI holds itself to (it reads
 * the same variables as the server, so a command line cannot ask for more than the API allows
 * unless it says `--no-limits`).
 *
 * @throws {ConfigError} listing every invalid variable.
 *
 * @example
 * ```ts
 * const limits = parseLimits({ SD_MAX_STEPS: "60" });
 * limits.maxSteps; // 60
 * ```
 */
export function parseLimits(env: Readonly<Record<string, string | undefined>>): RequestLimits {
  const issues: ConfigIssue[] = [];
  const { secret } = readLimits(envReader(env, issues).int);
  if (issues.length > 0) throw new ConfigError(issues);
  return secret;
}

/** `SD_DEVICE`, checked: `auto` when absent. */
function readDevice(read: (name: string) => string | undefined, issues: ConfigIssue[]): string {
  const device = read("SD_DEVICE") ?? "auto";
  if (!["auto", "cpu", "cuda", "webgpu"].includes(device)) {
    issues.push({ variable: "SD_DEVICE", message: "must be auto, cpu, cuda or webgpu" });
  }
  return device;
}

/** What a standalone render worker (`deno task worker`) reads from the environment. */
export interface WorkerConfig {
  /** `SD_REDIS_URL` (or `REDIS_URL`): the queue the API instances share. */
  readonly redisUrl: string | undefined;
  /** `SD_MODELS`: the models this worker renders. */
  readonly models: readonly string[];
  /** `SD_WORKERS`: render Workers in this process. */
  readonly workers: number;
  /** `SD_WORKER_THREADS`: CPU threads per Worker; the cores divided among them when absent. */
  readonly workerThreads?: number;
  /** `SD_MODELS_DIR`. */
  readonly modelsDir?: string;
  /** `SD_DEVICE`: `auto`, `cpu`, `cuda` or `webgpu`. */
  readonly device: string;
}

/**
 * Parses a render worker's configuration from the environment (its flags override it).
 *
 * @throws {ConfigError} listing every invalid variable.
 *
 * @example
 * ```ts
 * const config = parseWorkerConfig({ SD_REDIS_URL: "redis://127.0.0.1:6379", SD_WORKERS: "2" });
 * config.workers; // 2
 * ```
 */
export function parseWorkerConfig(env: Readonly<Record<string, string | undefined>>): WorkerConfig {
  const issues: ConfigIssue[] = [];
  const { read, int, list } = envReader(env, issues);
  const modelsDir = read("SD_MODELS_DIR");
  const config: WorkerConfig = {
    redisUrl: read("SD_REDIS_URL") ?? read("REDIS_URL"),
    models: Object.freeze(list("SD_MODELS", ["toy-shapes"])),
    workers: int("SD_WORKERS", 1, 1, 64),
    ...(read("SD_WORKER_THREADS") === undefined
      ? {}
      : { workerThreads: int("SD_WORKER_THREADS", 1, 1, 1024) }),
    ...(modelsDir === undefined ? {} : { modelsDir }),
    device: readDevice(read, issues),
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(config);
}

/** Whether `value` is a bare origin (`scheme://host[:port]`, no path). */
export function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
}
