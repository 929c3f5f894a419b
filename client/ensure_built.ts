/**
 * `client/dist` on demand, for `deno task start`: a missing or out-of-date build is made by
 * `build.ts`, which is imported (with esbuild) only then, so starting a server with a current
 * build never loads esbuild.
 *
 * @module
 */

import type { BuildClientOptions } from "./build.ts";
import { type ClientSources, staleReason } from "./_sources.ts";

/**
 * Builds `client/dist` (or `options.outDir`) unless it holds a build of the current sources: a
 * build from other sources (after a `git pull`) is rebuilt, saying why on `options.log`.
 *
 * @example
 * ```ts ignore
 * await ensureClientBuilt({ outDir: "client/dist" });
 * ```
 */
export async function ensureClientBuilt(options: BuildClientOptions = {}): Promise<void> {
  const outDir = options.outDir ?? new URL("./dist", import.meta.url).pathname;
  let manifest: { sources?: ClientSources } | null = null;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${outDir}/manifest.json`));
  } catch {
    // Not built yet (or a broken manifest): build.
  }
  if (manifest !== null) {
    const why = await staleReason(manifest.sources);
    if (why === null) return;
    (options.log ?? console.log)(`Rebuilding ${outDir}: ${why}`);
  }
  const { buildClient } = await import("./build.ts");
  await buildClient(options);
}
