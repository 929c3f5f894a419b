/**
 * `deno task build`: bundles the browser client with esbuild into `client/dist/`:
 *
 * | output | what |
 * | --- | --- |
 * | `embed.js` | the `<sd-image>` embed script (IIFE, tiny; loads the rest lazily) |
 * | `sdk.js` | the ESM SDK |
 * | `ort/sd-render-worker.<hash>.js` | the render Web Worker (pipeline + onnxruntime-web) |
 * | `ort/<hash>/ort-wasm-simd-threaded.asyncify.{mjs,wasm}` | onnxruntime-web's WebGPU/wasm runtime |
 * | `index.html` | the demo page, styles and script inlined |
 * | `manifest.json` | logical names → built files, with sizes; the sources and their hash |
 *
 * Stable names (`embed.js`, `sdk.js`) are what pages reference; content-hashed names (the worker,
 * and onnxruntime's files in a folder named by the hash of their bytes, since onnxruntime looks
 * them up by fixed names) can be cached forever. Source maps sit next to the scripts.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { type ClientSources, clientSources, contentHash, ROOT } from "./_sources.ts";

/** Options of {@linkcode buildClient}. */
export interface BuildClientOptions {
  /** Output directory, emptied first. @default "<repo>/client/dist" */
  outDir?: string;
  /** Minify scripts. @default true */
  minify?: boolean;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
}

/** One built file. */
export interface BuiltFile {
  /** Path relative to the output directory. */
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** `client/dist/manifest.json`. */
export interface ClientManifest {
  version: 1;
  /** Logical name (`embed.js`, `sdk.js`, `worker.js`, `index.html`, `ort/<file>`) → file. */
  files: Record<string, BuiltFile>;
  /** What it was built from; `deno task start` rebuilds when these changed. */
  sources?: ClientSources;
}

const CLIENT = new URL(".", import.meta.url).pathname;
/** onnxruntime-web files its WebGPU build (`onnxruntime-web/webgpu`, 1.30) loads at run time. */
export const ORT_FILES = [
  "ort-wasm-simd-threaded.asyncify.wasm",
  "ort-wasm-simd-threaded.asyncify.mjs",
];

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function describe(outDir: string, file: string): Promise<BuiltFile> {
  const bytes = await Deno.readFile(`${outDir}/${file}`);
  return { file, bytes: bytes.byteLength, gzipBytes: await gzipSize(bytes) };
}

/** Makes sure `node_modules/` holds the npm packages the bundles import (`deno install`). */
async function ensureNodeModules(): Promise<string> {
  const ort = `${ROOT}node_modules/onnxruntime-web/dist`;
  try {
    await Deno.stat(`${ort}/${ORT_FILES[0]}`);
    await Deno.stat(`${ROOT}node_modules/fast-png`);
  } catch {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["install"],
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) throw new Error("Cannot build the client as 'deno install' failed");
  }
  return ort;
}

function common(minify: boolean): esbuild.BuildOptions {
  return {
    bundle: true,
    minify,
    sourcemap: "linked",
    platform: "browser",
    target: ["es2022", "chrome113", "firefox121", "safari17"],
    legalComments: "linked",
    logLevel: "warning",
    metafile: true,
    write: true,
    absWorkingDir: ROOT,
  };
}

/** The file name of the build's entry output. */
function entryName(result: esbuild.BuildResult): string {
  const outputs = Object.entries(result.metafile!.outputs);
  const entry = outputs.find(([, output]) => output.entryPoint !== undefined);
  if (entry === undefined) throw new Error("esbuild produced no entry output");
  return entry[0].slice(entry[0].lastIndexOf("/") + 1);
}

/** The demo page, scripts and styles inlined, and the source files it was made from. */
async function demoPage(
  minify: boolean,
  define: Record<string, string>,
): Promise<{ html: string; inputs: string[] }> {
  const result = await esbuild.build({
    ...common(minify),
    define,
    sourcemap: false,
    legalComments: "none",
    entryPoints: [`${CLIENT}demo/app.ts`],
    format: "esm",
    write: false,
  });
  const script = result.outputFiles![0]!.text.replaceAll("</script", "<\\/script");
  const css = await Deno.readTextFile(`${CLIENT}demo/styles.css`);
  const styles = minify ? (await esbuild.transform(css, { loader: "css", minify })).code : css;
  const template = await Deno.readTextFile(`${CLIENT}demo/index.html`);
  const html = template
    .replace("/*__STYLES__*/", () => styles)
    .replace("//__SCRIPT__", () => script);
  const inputs = Object.keys(result.metafile!.inputs);
  return { html, inputs: [...inputs, "client/demo/styles.css", "client/demo/index.html"] };
}

/**
 * Builds the client into `outDir` and writes its `manifest.json`.
 *
 * @example Usage
 * ```ts ignore
 * const manifest = await buildClient({ outDir: "/tmp/dist" });
 * console.log(manifest.files["embed.js"]!.gzipBytes);
 * ```
 */
export async function buildClient(options: BuildClientOptions = {}): Promise<ClientManifest> {
  const outDir = (options.outDir ?? `${CLIENT}dist`).replace(/\/$/, "");
  const minify = options.minify ?? true;
  const log = options.log ?? ((line: string) => console.log(line));
  const ortDir = await ensureNodeModules();
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${outDir}/ort`, { recursive: true });
  const ortFolder = `ort/${await contentHash(ORT_FILES.map((f) => `${ortDir}/${f}`))}`;
  await Deno.mkdir(`${outDir}/${ortFolder}`);
  try {
    const worker = await esbuild.build({
      ...common(minify),
      entryPoints: { "sd-render-worker": `${CLIENT}worker/render_worker.ts` },
      entryNames: "[name].[hash]",
      format: "esm",
      outdir: `${outDir}/ort`,
    });
    const inputs = Object.keys(worker.metafile!.inputs);
    const workerFile = `ort/${entryName(worker)}`;
    const define = {
      __SD_WORKER_FILE__: JSON.stringify(workerFile),
      __SD_ORT_FOLDER__: JSON.stringify(ortFolder),
    };
    const sdk = await esbuild.build({
      ...common(minify),
      entryPoints: [`${CLIENT}sdk/mod.ts`],
      format: "esm",
      define,
      outfile: `${outDir}/sdk.js`,
    });
    const embed = await esbuild.build({
      ...common(minify),
      entryPoints: [`${CLIENT}embed/mod.ts`],
      format: "iife",
      outfile: `${outDir}/embed.js`,
    });
    inputs.push(...Object.keys(sdk.metafile!.inputs), ...Object.keys(embed.metafile!.inputs));
    const demo = await demoPage(minify, define);
    inputs.push(...demo.inputs);
    await Deno.writeTextFile(`${outDir}/index.html`, demo.html);
    for (const file of ORT_FILES) {
      await Deno.copyFile(`${ortDir}/${file}`, `${outDir}/${ortFolder}/${file}`);
    }

    const files: Record<string, BuiltFile> = {
      "embed.js": await describe(outDir, "embed.js"),
      "sdk.js": await describe(outDir, "sdk.js"),
      "worker.js": await describe(outDir, workerFile),
      "index.html": await describe(outDir, "index.html"),
    };
    for (const file of ORT_FILES) {
      files[`ort/${file}`] = await describe(outDir, `${ortFolder}/${file}`);
    }
    const ortInputs = ORT_FILES.map((file) => `${ortDir}/${file}`.slice(ROOT.length));
    const sources = await clientSources([...inputs, ...ortInputs]);
    const manifest: ClientManifest = { version: 1, files, sources };
    await Deno.writeTextFile(`${outDir}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
    for (const [name, file] of Object.entries(files)) {
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      log(`  ${name.padEnd(44)} ${kb(file.bytes).padStart(10)}  gzip ${kb(file.gzipBytes)}`);
    }
    return manifest;
  } finally {
    await esbuild.stop();
  }
}

const BUILD_USAGE = "Usage: deno task build [--out-dir <dir>] [--no-minify]\n" +
  "  Bundles embed.js, sdk.js, the render worker, the demo page and onnxruntime-web's files\n" +
  "  into client/dist/ (or <dir>), with source maps; the worker and onnxruntime files are\n" +
  "  content-hashed.";

if (import.meta.main) {
  const { parseArgs } = await import("node:util");
  let flags;
  try {
    flags = parseArgs({
      args: Deno.args,
      options: {
        "out-dir": { type: "string" },
        "no-minify": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${BUILD_USAGE}`);
    Deno.exit(2);
  }
  if (flags.help) {
    console.log(BUILD_USAGE);
    Deno.exit(0);
  }
  const outDir = flags["out-dir"];
  const started = performance.now();
  console.log(`Building the browser client into ${outDir ?? "client/dist"}/`);
  await buildClient({
    ...(outDir === undefined ? {} : { outDir }),
    ...(flags["no-minify"] ? { minify: false } : {}),
  });
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
