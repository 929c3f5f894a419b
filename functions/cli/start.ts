/**
 * `deno task start`: the whole system in one process on the configured models (the embedded
 * `toy-shapes` by default): the edge app on `PORT` plus `SD_WORKERS` in-process render workers.
 * On first run it creates a development secret key and a publishable key for
 * `http://localhost:<port>` and prints them with the URL; later runs print a demo page link with
 * a short-lived token (keys are stored hashed, so they cannot be shown again).
 *
 * @module
 */
import { ensureClientBuilt } from "../../client/ensure_built.ts";
import { createApp } from "../app.ts";
import { addModel, defaultCacheDir, ModelSetupError } from "../../models/mod.ts";
import { exists } from "../../models/registry/_files.ts";
import { UsageError } from "./_args.ts";
import { parseConfig } from "../config.ts";
import { ensureDevelopmentKeys } from "../runtime/dev_keys.ts";
import { watchParents } from "../runtime/parent_watch.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { isStartupError } from "../runtime/startup_errors.ts";
import { describeRendering } from "../worker/mod.ts";

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

/**
 * `--model <id | folder>` (repeatable) overrides `SD_MODELS`; a folder is added to the model
 * cache first, as `deno task models add <folder>` does (once: an id already there is reused).
 */
async function modelsFromArgs(args: readonly string[], env: Record<string, string>) {
  const models: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === "--model" ? args[++i] : arg.startsWith("--model=") ? arg.slice(8) : null;
    if (value === null || value === undefined || value === "") {
      throw new UsageError(
        `Usage: deno task start [--model <id | folder>]... (got '${arg}'); the rest is set ` +
          `through the environment (see the README)`,
      );
    }
    if (!/^(\/|\.\/|\.\.\/)/.test(value)) {
      models.push(value);
      continue;
    }
    const cacheDir = env.SD_MODELS_DIR || defaultCacheDir();
    const name = value.replace(/\/+$/, "").split("/").at(-1) ?? "";
    if (await exists(`${cacheDir}/${name}/manifest.json`)) {
      models.push(name);
      continue;
    }
    const added = await addModel(value, { cacheDir });
    console.log(`added ${value} as model '${added.id}' (${added.kind})`);
    models.push(added.id);
  }
  return models;
}

async function main(): Promise<number> {
  let config;
  try {
    const env = Deno.env.toObject();
    const models = await modelsFromArgs(Deno.args, env);
    config = parseConfig(models.length > 0 ? { ...env, SD_MODELS: models.join(",") } : env);
  } catch (error) {
    if (!isStartupError(error) && !(error instanceof UsageError) && !(error instanceof TypeError)) {
      throw error;
    }
    console.error((error as Error).message.split("\n")[0]);
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
  void runtime.rendering?.then((report) => console.log(describeRendering(report)));
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
