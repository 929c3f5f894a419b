/**
 * Development keys for `deno task start`: on first run, a secret key and a publishable key for
 * the local origins, returned as lines to print (the only time the keys are visible).
 *
 * @module
 */
import type { KeyService } from "./keys/mod.ts";

/**
 * Creates development keys when the store has no active key; returns the lines to print.
 *
 * @example Usage
 * ```ts ignore
 * for (const line of await ensureDevelopmentKeys(keys, 8000)) console.log(line);
 * ```
 */
export async function ensureDevelopmentKeys(keys: KeyService, port: number): Promise<string[]> {
  const active = (await keys.list()).filter((r) => r.revokedAt === undefined);
  if (active.length > 0) {
    return [
      `API keys: ${active.length} active (only hashes are stored).`,
      "  New ones: deno task keys create --kind secret|publishable [--origin URL]",
    ];
  }
  const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const secret = await keys.create("secret", { name: "development" });
  const publishable = await keys.create("publishable", { name: "development", origins });
  return [
    "Created development keys (shown once; only their hashes are stored):",
    `  secret key       ${secret.key}`,
    `  publishable key  ${publishable.key}   (origins ${origins.join(", ")})`,
  ];
}
