/**
 * `deno task start`: the whole system in one process on the configured models (the embedded
 * `tiny-sd` by default): the edge app on `PORT` plus `SD_WORKERS` in-process render workers.
 * On first run it creates a development secret key and a publishable key for
 * `http://localhost:<port>` and prints them with the URL; later runs print a demo page link with
 * a short-lived token (keys are stored hashed, so they cannot be shown again).
 *
 * @module
 */
import { ensureClientBuilt } from "../../client/ensure_built.ts";
import { createApp } from "../app.ts";
import { ModelSetupError } from "../../models/mod.ts";
import { parseConfig } from "../config.ts";
import { ensureDevelopmentKeys } from "../runtime/dev_keys.ts";
import { watchParents } from "../runtime/parent_watch.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { isStartupError } from "../runtime/startup_errors.ts";

/** Why `hostname:port` cannot be listened on, or `null` when it can (checked by binding it once). */
function checkPort(hostname: string, port: number): string | null {
  try {
    Deno.listen({ hostname, port }).close();
    return null;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      return `Cannot listen on ${hostname}:${port}: the port is in use (another sd-edge?). ` +
        `Set PORT to a free one, e.g. PORT=8080.`;
    }
    if (
      error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.AddrNotAvailable
    ) {
      return `Cannot listen on ${hostname}:${port}: ${(error as Error).message}`;
    }
    throw error;
  }
}

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(Deno.env.toObject());
  } catch (error) {
    if (!isStartupError(error)) throw error;
    console.error(error.message);
    return 2;
  }
  // Before anything is built or a first-run key created (and shown only once).
  const portProblem = checkPort(config.hostname, config.port);
  if (portProblem !== null) {
    console.error(portProblem);
    return 1;
  }
  // The demo page, embed.js and the SDK are served from client/dist/: build them if missing.
  const root = new URL("../..", import.meta.url).pathname;
  await ensureClientBuilt({
    outDir: config.clientDist.startsWith("/") ? config.clientDist : `${root}${config.clientDist}`,
  });
  let runtime;
  try {
    runtime = await createRuntime(config);
  } catch (error) {
    if (!isStartupError(error)) throw error;
    console.error(error.message);
    if (error instanceof ModelSetupError) {
      console.error(
        `(SD_MODELS is '${
          config.models.join(",")
        }'; 'npx -y deno@2.9.6 task models list' shows what is here)`,
      );
    }
    return 2;
  }
  const app = createApp(runtime.deps);
  const dev = await ensureDevelopmentKeys(runtime.deps.keys, config.port, {
    tokens: runtime.deps.tokens,
    ttlSeconds: config.tokenMaxTtlSeconds,
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ port }) => {
      const url = `http://localhost:${port}`;
      console.log(`sd-edge listening on ${url}  (models: ${config.models.join(", ")})`);
      for (const line of dev.lines) console.log(line);
      console.log(`Demo page: ${url}/${dev.demoKey ? `#key=${dev.demoKey}` : ""}`);
      console.log(`Try: curl -H "Authorization: Bearer <secret key>" ${url}/v1/models`);
    },
  }, app.fetch);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      await server.shutdown();
      await runtime.close();
      Deno.exit(0);
    })();
  Deno.addSignalListener("SIGINT", () => void stop());
  Deno.addSignalListener("SIGTERM", () => void stop());
  // Stopping the npx that launched `npx -y deno@2.9.6 task start` does not reach this process.
  watchParents(() => {
    console.log("sd-edge: the command that started this server has exited; stopping");
    void stop();
  });
  await server.finished;
  return 0;
}

if (import.meta.main) Deno.exit(await main());
