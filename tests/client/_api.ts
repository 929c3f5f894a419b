/**
 * A real edge app on a loopback port for the client tests, wired as `deno task start` wires it:
 * the embedded `tiny-sd` model (or the given models) served from the registry, the CLIP text
 * encoder on onnxruntime-node, the in-process job queue and a pool of render Workers. Keys are in
 * memory (a secret key and a publishable key for the given origins) and every request path is
 * logged so tests can count downloads.
 */
import { type Client, createClient } from "../../client/sdk/mod.ts";
import { createApp } from "../../functions/app.ts";
import { createPipelineEncoder } from "../../functions/services/encoder/pipeline_encoder.ts";
import type { StaticFiles } from "../../functions/services/static_files.ts";
import { createLocalCatalog } from "../../functions/services/models/local_catalog.ts";
import {
  createInProcessQueue,
  type InProcessQueue,
  type RenderPool,
  startRenderPool,
} from "../../functions/worker/mod.ts";
import { loadModel, type LocalModel } from "../../models/mod.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { schedulerNames } from "../../shared/schedulers/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { testConfig, testDeps } from "../functions/_harness.ts";

/** Options of {@linkcode startApi}. */
export interface StartApiOptions {
  /** Render Workers to start; 0 leaves submitted jobs queued. @default 1 */
  workers?: number;
  /** Module exporting `loadModel` for the render Workers. @default the registry's */
  modelLoader?: URL;
  staticFiles?: StaticFiles;
  /** Model ids to serve and render, the first the default. @default ["tiny-sd"] */
  models?: string[];
  /** Origins of the publishable key. @default ["http://page.test"] */
  origins?: string[];
  /** Environment overrides of the test configuration. */
  env?: Record<string, string>;
  /** Model cache the models are loaded from. @default {the registry's default} */
  cacheDir?: string;
}

/** A running API. */
export interface TestApi {
  url: string;
  secretKey: string;
  publishableKey: string;
  /** `METHOD /path` of every request, in arrival order. */
  requests: string[];
  queue: InProcessQueue;
  /** The default (first) served model on disk. */
  model: LocalModel;
  /** Creates another publishable key for `origins`. */
  publishableKeyFor(origins: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts the edge app on `127.0.0.1:<free port>`, once its render Workers are ready. */
export async function startApi(options: StartApiOptions = {}): Promise<TestApi> {
  const ids = options.models ?? ["tiny-sd"];
  const loaded = new Map<string, LocalModel>();
  const cache = options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir };
  for (const id of ids) loaded.set(id, await loadModel(id, cache));
  const load = (id: string) => {
    const model = loaded.get(id);
    return model ? Promise.resolve(model) : Promise.reject(new Error(`'${id}' is not served`));
  };
  const model = loaded.get(ids[0]!)!;
  const queue = createInProcessQueue({ capacity: 16 });
  const workers = options.workers ?? 1;
  let pool: RenderPool | null = null;
  if (workers > 0) {
    pool = startRenderPool({
      queue,
      models: ids,
      workers,
      device: "cpu",
      ...cache,
      ...(options.modelLoader ? { modelLoader: options.modelLoader } : {}),
    });
    await pool.ready;
  }
  const encoder = createPipelineEncoder({
    backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
    load,
  });
  const deps = await testDeps({
    config: testConfig({ SD_MODELS: ids.join(","), ...options.env }),
    queue,
    encoder,
    catalog: createLocalCatalog(ids, { load }),
    // As `deno task start` offers them: every class name (a model's default) and alias.
    schedulers: schedulerNames(),
    ...(options.staticFiles ? { staticFiles: options.staticFiles } : {}),
  });
  const secret = await deps.keys.create("secret", { name: "test" });
  const publishable = await deps.keys.create("publishable", {
    name: "page",
    origins: options.origins ?? ["http://page.test"],
  });
  const app = createApp(deps);
  const requests: string[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return app.fetch(request);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    secretKey: secret.key,
    publishableKey: publishable.key,
    requests,
    queue,
    model,
    publishableKeyFor: async (origins) =>
      (await deps.keys.create("publishable", { name: "more", origins })).key,
    async close() {
      await server.shutdown();
      await pool?.close();
      await queue.close();
      await encoder.dispose();
    },
  };
}

/**
 * An SDK client of `api` that renders locally on onnxruntime-web wasm, in a Deno Web Worker
 * (`_deno_render_worker.ts`), with no model cache.
 */
export function wasmClient(api: TestApi): Client {
  return createClient({
    baseUrl: api.url,
    key: api.secretKey,
    device: "wasm",
    cache: false,
    workerUrl: new URL("./_deno_render_worker.ts", import.meta.url).href,
    ortUrl: new URL("../../node_modules/onnxruntime-web/dist/", import.meta.url).href,
  });
}
