import assert from "node:assert/strict";
import { buildClient, ORT_FILES } from "../../client/build.ts";

const EMBED_BUDGET_GZIP = 15 * 1024;

Deno.test("buildClient() writes the bundles, onnxruntime-web's files and a manifest of them", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "sd-client-build-" });
  try {
    const lines: string[] = [];
    const manifest = await buildClient({ outDir, log: (line) => lines.push(line) });
    const onDisk = JSON.parse(await Deno.readTextFile(`${outDir}/manifest.json`));
    assert.deepEqual(onDisk, manifest);
    const names = Object.keys(manifest.files).sort();
    assert.deepEqual(
      names,
      [
        "embed.js",
        "index.html",
        ...ORT_FILES.map((f) => `ort/${f}`).sort(),
        "sdk.js",
        "worker.js",
      ].sort(),
    );
    for (const file of Object.values(manifest.files)) {
      assert.equal((await Deno.stat(`${outDir}/${file.file}`)).size, file.bytes);
    }
    // The worker's name carries its content hash; the SDK points at exactly that file.
    const worker = manifest.files["worker.js"]!.file;
    assert.match(worker, /^ort\/sd-render-worker\.[A-Z0-9]{8}\.js$/);
    assert.ok((await Deno.readTextFile(`${outDir}/sdk.js`)).includes(JSON.stringify(worker)));
    assert.ok((await Deno.readTextFile(`${outDir}/index.html`)).includes(JSON.stringify(worker)));
    // Source maps next to the scripts.
    for (const script of ["embed.js", "sdk.js", worker]) {
      assert.ok((await Deno.stat(`${outDir}/${script}.map`)).isFile, `${script}.map`);
    }
    // onnxruntime finds its files by fixed names, so they sit in a folder named by their hash,
    // and the SDK (hence the worker) is pointed at exactly that folder.
    const wasmFile = manifest.files["ort/ort-wasm-simd-threaded.asyncify.wasm"]!.file;
    const folder = /^(ort\/[0-9A-F]{8})\/ort-wasm-simd-threaded\.asyncify\.wasm$/.exec(wasmFile)
      ?.[1];
    assert.ok(folder, wasmFile);
    assert.equal(
      manifest.files["ort/ort-wasm-simd-threaded.asyncify.mjs"]!.file,
      `${folder}/ort-wasm-simd-threaded.asyncify.mjs`,
    );
    assert.ok((await Deno.readTextFile(`${outDir}/sdk.js`)).includes(JSON.stringify(folder)));
    const head = (await Deno.readFile(`${outDir}/${wasmFile}`)).subarray(0, 4);
    assert.deepEqual([...head], [0x00, 0x61, 0x73, 0x6d]);
    // Nothing is fetched from a third-party host at run time.
    for (const script of ["embed.js", "sdk.js", worker]) {
      const text = await Deno.readTextFile(`${outDir}/${script}`);
      assert.doesNotMatch(text, /cdn\.jsdelivr|unpkg\.com|cdnjs/);
    }
    assert.equal(lines.length, names.length);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("embed.js stays within its 15 KB gzip budget (sizes of sdk.js and the worker reported)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "sd-client-size-" });
  try {
    const { files } = await buildClient({ outDir, log: () => {} });
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    for (const name of ["embed.js", "sdk.js", "worker.js"]) {
      const file = files[name]!;
      console.log(`${name}: ${kb(file.bytes)}, ${kb(file.gzipBytes)} gzipped`);
    }
    const embed = files["embed.js"]!;
    assert.ok(embed.gzipBytes <= EMBED_BUDGET_GZIP, `embed.js is ${kb(embed.gzipBytes)} gzipped`);
    // The embed loads onnxruntime lazily: none of it is in embed.js.
    const text = await Deno.readTextFile(`${outDir}/embed.js`);
    assert.doesNotMatch(text, /InferenceSession|onnxruntime/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("deno task build refuses an unknown flag with its usage and exit 2", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../client/build.ts", import.meta.url).pathname, "--frob"],
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 2);
  assert.equal(new TextDecoder().decode(stdout), "", "nothing built");
  assert.match(new TextDecoder().decode(stderr), /^error: .*--frob[\s\S]*Usage: deno task build/);
});
