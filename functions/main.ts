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
import { createRuntime } from "./services/runtime.ts";

const config = parseConfig(Deno.env.toObject());
const runtime = await createRuntime(config);
const app = createApp(runtime.deps);

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
