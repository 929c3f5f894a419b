/**
 * Test harness for the edge app: a configuration, in-memory services, the fixture model as a
 * served model, real HTTP on a loopback port, and a throwaway `redis-server`.
 */
import { schedulerNames } from "../../shared/schedulers/mod.ts";
import type { ModelFile, ModelManifest } from "../../shared/manifest.ts";
import { type AppDeps, createApp } from "../../functions/app.ts";
import { type Config, parseConfig } from "../../functions/config.ts";
import { createCachedEncoder } from "../../functions/services/encoder/cached_encoder.ts";
import type { Encoder } from "../../functions/services/encoder/encoder.ts";
import type { JobQueue } from "../../functions/services/jobs.ts";
import { createKeyService, createMemoryKeyStore } from "../../functions/services/keys/mod.ts";
import { createLocalCatalog } from "../../functions/services/models/local_catalog.ts";
import { createMemoryRateLimiter } from "../../functions/services/rate_limit/mod.ts";
import { createTokenService } from "../../functions/services/tokens.ts";
import { fixturePath } from "../_fixtures.ts";

/** Root of the fixture model in the standard ONNX layout. */
export const FIXTURE_ROOT = fixturePath("models/tiny-sd-reference");

/** A test configuration: loopback, quiet, generous limits unless overridden. */
export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({
    PORT: "0",
    SD_MODELS: "tiny-sd",
    SD_LOG_REQUESTS: "0",
    SD_JWT_SECRET: "test-secret-test-secret-test-secret-0123",
    SD_KEYS_FILE: "/nonexistent/keys.json",
    ...env,
  });
}

async function fileEntry(
  root: string,
  path: string,
  sums: Map<string, string>,
): Promise<ModelFile> {
  const sha256 = sums.get(path);
  if (sha256 === undefined) throw new Error(`no checksum for ${path}`);
  return { path, bytes: (await Deno.stat(`${root}/${path}`)).size, sha256 };
}

/** The manifest of the fixture model (its checksums come from the fixture's SHA256SUMS). */
export async function fixtureManifest(id = "tiny-sd"): Promise<ModelManifest> {
  const sums = new Map(
    (await Deno.readTextFile(`${FIXTURE_ROOT}/SHA256SUMS`)).trim().split("\n").map((line) => {
      const [hash, path] = line.split(/\s+/);
      return [path!, hash!] as const;
    }),
  );
  const f = (path: string) => fileEntry(FIXTURE_ROOT, path, sums);
  const schedulerConfig = JSON.parse(
    await Deno.readTextFile(`${FIXTURE_ROOT}/scheduler/scheduler_config.json`),
  );
  const text = { inputs: [], outputs: [] };
  return {
    id,
    family: "sd1",
    license: "MIT",
    description: "tiny random SD 1.x-architecture fixture",
    components: {
      text_encoder: { model: await f("text_encoder/model.onnx"), ...text },
      unet: { model: await f("unet/model.onnx"), ...text },
      vae_decoder: { model: await f("vae_decoder/model.onnx"), ...text },
    },
    tokenizer: {
      vocab: await f("tokenizer/vocab.json"),
      merges: await f("tokenizer/merges.txt"),
      maxLength: 77,
    },
    embeddingDim: 32,
    latentChannels: 4,
    scalingFactor: 0.18215,
    vaeScaleFactor: 8,
    defaults: { steps: 10, guidanceScale: 7.5, width: 64, height: 64, scheduler: "pndm" },
    schedulerConfig,
  };
}

/** The fixture served as `tiny-sd`. */
export async function fixtureCatalog() {
  const manifest = await fixtureManifest();
  return createLocalCatalog(["tiny-sd"], {
    load: () => Promise.resolve({ manifest, root: FIXTURE_ROOT }),
  });
}

/** Scheduler names the tests offer: all of the registry's, as `deno task start` does. */
export const TEST_SCHEDULERS: readonly string[] = schedulerNames();

/** Overrides of {@linkcode testDeps}. */
export type TestDepsOverrides = Partial<Omit<AppDeps, "encoder" | "queue" | "config">>;

/**
 * Deps with in-memory keys and limits, the fixture catalog and the given queue/encoder.
 */
export async function testDeps(
  options: { config?: Config; queue: JobQueue; encoder: Encoder } & TestDepsOverrides,
): Promise<AppDeps> {
  const config = options.config ?? testConfig();
  const { queue, encoder, ...rest } = options;
  return {
    config,
    keys: createKeyService(createMemoryKeyStore(), { originCacheMs: 0 }),
    tokens: createTokenService(config.jwtSecret!, { maxTtlSeconds: config.tokenMaxTtlSeconds }),
    limiter: createMemoryRateLimiter(),
    catalog: await fixtureCatalog(),
    encoder: createCachedEncoder(encoder, { maxEntries: config.encodeCacheSize }),
    queue,
    schedulers: TEST_SCHEDULERS,
    ...rest,
  };
}

/** A running server. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the app built from `deps` on a loopback port chosen by the OS. */
export function serveApp(deps: AppDeps): TestServer {
  const app = createApp(deps);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${port}`, close: () => server.shutdown() };
}

/** A throwaway redis-server on a free loopback port; `null` (with a printed reason) if absent. */
export { startTestRedis as startRedis } from "./worker/_redis_server.ts";

/** JSON request options with a bearer key. */
export function jsonPost(body: unknown, key?: string, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
