/**
 * `deno task start` serves `client/dist` as built, unless it was built from other sources: after
 * a `git pull` the old bundles would otherwise be served (an SDK and worker the server no longer
 * matches).
 */
import assert from "node:assert/strict";
import { buildClient, type ClientManifest } from "../../client/build.ts";
import { ensureClientBuilt } from "../../client/ensure_built.ts";

async function readManifest(outDir: string): Promise<ClientManifest> {
  return JSON.parse(await Deno.readTextFile(`${outDir}/manifest.json`));
}

Deno.test("ensureClientBuilt() keeps a current build and rebuilds one from other or unknown sources", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "sd-client-ensure-" });
  try {
    const built = await buildClient({ outDir, log: () => {} });
    const files = built.sources!.files;
    for (
      const source of [
        "client/worker/render_worker.ts",
        "client/sdk/mod.ts",
        "client/demo/index.html",
      ]
    ) {
      assert.ok(files.includes(source), source);
    }
    assert.ok(
      files.includes("shared/pipeline/mod.ts") || files.some((f) => f.startsWith("shared/")),
    );

    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const before = (await Deno.stat(`${outDir}/manifest.json`)).mtime;
    await ensureClientBuilt({ outDir, log });
    assert.deepEqual(lines, [], "a current build is served as it is");
    assert.deepEqual((await Deno.stat(`${outDir}/manifest.json`)).mtime, before);

    // As after a `git pull` that changed a source: the recorded hash no longer matches.
    await Deno.writeTextFile(
      `${outDir}/manifest.json`,
      JSON.stringify({ ...built, sources: { ...built.sources, hash: "00000000" } }),
    );
    await ensureClientBuilt({ outDir, log });
    assert.equal(lines[0], `Rebuilding ${outDir}: its sources changed`);
    lines.length = 0;
    assert.equal((await readManifest(outDir)).sources!.hash, built.sources!.hash);

    // A build made before sources were recorded.
    const { sources: _, ...older } = built;
    await Deno.writeTextFile(`${outDir}/manifest.json`, JSON.stringify(older));
    await ensureClientBuilt({ outDir, log });
    assert.equal(lines[0], `Rebuilding ${outDir}: it records no sources (an older build)`);
    assert.deepEqual((await readManifest(outDir)).sources, built.sources);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
