/**
 * `client/dist` on demand, for `deno task start`: a missing build is made by `build.ts`, which is
 * imported (with esbuild) only then, so starting a server with a built client never loads esbuild.
 *
 * @module
 */

import type { BuildClientOptions } from "./build.ts";

/**
 * Builds `client/dist` (or `options.outDir`) unless it already holds a manifest.
 *
 * @example
 * ```ts ignore
 * await ensureClientBuilt({ outDir: "client/dist" });
 * ```
 */
export async function ensureClientBuilt(options: BuildClientOptions = {}): Promise<void> {
  const outDir = options.outDir ?? new URL("./dist", import.meta.url).pathname;
  try {
    await Deno.stat(`${outDir}/manifest.json`);
    return;
  } catch {
    // Not built yet.
  }
  const { buildClient } = await import("./build.ts");
  await buildClient(options);
}
