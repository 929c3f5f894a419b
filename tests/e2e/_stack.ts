/**
 * The whole system for browser tests: the client built into a temporary `dist`, the edge app as
 * `deno task start` wires it (the embedded `tiny-sd` or the given models, the real CLIP encoder,
 * the in-process queue and a render Worker on onnxruntime-node), and a second loopback server on
 * another origin that serves the test pages.
 */
import { buildClient, type ClientManifest } from "../../client/build.ts";
import { createDirStaticFiles } from "../../functions/services/static_files.ts";
import { startApi, type TestApi } from "../client/_api.ts";

/** A running stack. */
export interface Stack {
  api: TestApi;
  /** Origin of the page server (allowed for `api.publishableKey`). */
  pageOrigin: string;
  /** The same page server under another origin (`localhost` instead of `127.0.0.1`). */
  foreignOrigin: string;
  /** Serves `html` at `path` on the page server. */
  page(path: string, html: string): void;
  client: ClientManifest;
  /** The built client's directory, served by the API (tests may add files under `ort/`). */
  dist: string;
  close(): Promise<void>;
}

/** Options of {@linkcode startStack}. */
export interface StartStackOptions {
  /** Model ids the API serves, the first the default. @default ["tiny-sd"] */
  models?: string[];
  /** Model cache the models are loaded from. @default {the registry's default} */
  cacheDir?: string;
}

/** Builds the client and starts the API and the page server. */
export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const dist = await Deno.makeTempDir({ prefix: "sd-e2e-dist-" });
  const client = await buildClient({ outDir: dist, log: () => {} });
  const pages = new Map<string, string>();
  const pageServer = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    const html = pages.get(new URL(req.url).pathname);
    return html === undefined
      ? new Response("not found", { status: 404 })
      : new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
  const port = pageServer.addr.port;
  const pageOrigin = `http://127.0.0.1:${port}`;
  const api = await startApi({
    staticFiles: createDirStaticFiles(dist),
    origins: [pageOrigin],
    ...(options.models ? { models: options.models } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  return {
    api,
    pageOrigin,
    foreignOrigin: `http://localhost:${port}`,
    page: (path, html) => void pages.set(path, html),
    client,
    dist,
    async close() {
      await api.close();
      await pageServer.shutdown();
      await Deno.remove(dist, { recursive: true });
    },
  };
}
