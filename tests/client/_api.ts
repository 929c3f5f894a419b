/**
 * A real edge app on a loopback port for the client tests: the fixture model catalog, in-memory
 * keys (a secret key and a publishable key for the given origins), a job queue over the given
 * render function, and a log of every request path so tests can count downloads.
 */
import { createApp } from "../../functions/app.ts";
import type { Encoder } from "../../functions/services/encoder/encoder.ts";
import type { StaticFiles } from "../../functions/services/static_files.ts";
import { recordingEncoder } from "../functions/_encoder.ts";
import { testConfig, testDeps } from "../functions/_harness.ts";
import { createTestQueue, type RenderFunction } from "../functions/_queue.ts";

/** Options of {@linkcode startApi}. */
export interface StartApiOptions {
  render: RenderFunction;
  /** @default the recording encoder (embeddings derived from the prompt text) */
  encoder?: Encoder;
  staticFiles?: StaticFiles;
  /** Origins of the publishable key. @default ["http://page.test"] */
  origins?: string[];
  /** Environment overrides of the test configuration. */
  env?: Record<string, string>;
}

/** A running API. */
export interface TestApi {
  url: string;
  secretKey: string;
  publishableKey: string;
  /** `METHOD /path` of every request, in arrival order. */
  requests: string[];
  queue: ReturnType<typeof createTestQueue>;
  /** Creates another publishable key for `origins`. */
  publishableKeyFor(origins: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts the edge app on `127.0.0.1:<free port>`. */
export async function startApi(options: StartApiOptions): Promise<TestApi> {
  const queue = createTestQueue(options.render);
  const deps = await testDeps({
    config: testConfig(options.env ?? {}),
    queue,
    encoder: options.encoder ?? recordingEncoder(),
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
    publishableKeyFor: async (origins) =>
      (await deps.keys.create("publishable", { name: "more", origins })).key,
    close: () => server.shutdown(),
  };
}
