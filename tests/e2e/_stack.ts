/**
 * The whole system for browser tests: the client built into a temporary `dist`, the edge app with
 * the real CLIP encoder and the real render pipeline (onnxruntime-node, CPU) on the fixture model,
 * and a second loopback server on another origin that serves the test pages.
 */
import { buildClient, type ClientManifest } from "../../client/build.ts";
import { createPipelineEncoder } from "../../functions/services/encoder/pipeline_encoder.ts";
import { createDirStaticFiles } from "../../functions/services/static_files.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { FIXTURE_ROOT, fixtureManifest } from "../functions/_harness.ts";
import { createPipelineRender } from "../functions/_render.ts";
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
  close(): Promise<void>;
}

/** Builds the client and starts the API and the page server. */
export async function startStack(): Promise<Stack> {
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
  const manifest = await fixtureManifest();
  const encoder = createPipelineEncoder({
    backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
    load: () =>
      Promise.resolve({ manifest, readFile: (path) => Deno.readFile(`${FIXTURE_ROOT}/${path}`) }),
  });
  const renderer = await createPipelineRender();
  const api = await startApi({
    render: renderer.render,
    encoder,
    staticFiles: createDirStaticFiles(dist),
    origins: [pageOrigin],
  });
  return {
    api,
    pageOrigin,
    foreignOrigin: `http://localhost:${port}`,
    page: (path, html) => void pages.set(path, html),
    client,
    async close() {
      await api.close();
      await pageServer.shutdown();
      await encoder.dispose();
      await renderer.dispose();
      await Deno.remove(dist, { recursive: true });
    },
  };
}
