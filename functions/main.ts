/**
 * The `deno serve` entry of the edge function: parses the configuration from the environment
 * once, builds the services and exports the app's fetch handler as the single default export.
 *
 * ```sh
 * deno serve -A --port 8000 functions/main.ts
 * ```
 *
 * Set `SD_WORKERS=0` where the render worker runs as a separate process (`deno task worker`).
 *
 * @module
 */
import { createApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { createRuntime, type Runtime } from "./runtime/runtime.ts";
import { isStartupError } from "./runtime/startup_errors.ts";

/** The configuration and services, or a readable reason on stderr and exit code 2. */
async function setUp(): Promise<Runtime> {
  try {
    return await createRuntime(parseConfig(Deno.env.toObject()));
  } catch (error) {
    if (!isStartupError(error)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}

const runtime = await setUp();
const app = createApp(runtime.deps);

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
