/**
 * Network latencies: the text encoder, one UNet step (batch 2: classifier-free guidance) and the
 * VAE decode, for the embedded tiny model on every backend and for full-size SD 1.5 networks with
 * random weights on the server backend (32×32 and 64×64 latents: 256² and 512² images). Each
 * figure carries the FLOPs counted from the graph, so it also reads as GFLOP/s and % of the limit.
 */

import { loadModel } from "../../models/mod.ts";
import { type BackendName, type BenchBackend, loadNetwork } from "./_suite_backends.ts";
import type { SuiteContext } from "./_suite_context.ts";
import {
  type Component,
  ensureFullSizeNetwork,
  inputShapes,
  type ModelSize,
  networkFeeds,
  networkFlops,
} from "./_suite_models.ts";
import { figure, timeRepeats } from "./_suite_stats.ts";

/** One network at some latent sizes on some backends. */
interface NetworkCase {
  size: ModelSize;
  component: Component;
  /** Latent edge lengths to run (ignored by the text encoder). */
  latents: number[];
  backends: BackendName[];
  /** Timed repeats per latent size: quick, full. */
  repeats: [number, number] | ((latent: number) => number);
}

const LABELS: Record<Component, string> = {
  text_encoder: "text encoder (77 tokens)",
  unet: "UNet step, batch 2 (CFG)",
  vae_decoder: "VAE decode",
  vae_encoder: "VAE encode (image to image)",
};

const SERVER: BackendName[] = ["cpu", "cuda"];
const ALL: BackendName[] = ["cpu", "cuda", "wasm", "webgpu"];

const CASES: NetworkCase[] = [
  { size: "tiny", component: "text_encoder", latents: [0], backends: ALL, repeats: [5, 10] },
  { size: "tiny", component: "unet", latents: [8], backends: ALL, repeats: [5, 10] },
  { size: "tiny", component: "vae_decoder", latents: [8], backends: ALL, repeats: [3, 5] },
  {
    size: "sd15",
    component: "text_encoder",
    latents: [0],
    backends: [...SERVER, "wasm"],
    repeats: [0, 5],
  },
  { size: "sd15", component: "unet", latents: [32, 64], backends: SERVER, repeats: unetRepeats },
  {
    size: "sd15",
    component: "vae_decoder",
    latents: [32, 64],
    backends: SERVER,
    repeats: unetRepeats,
  },
  { size: "sd15", component: "vae_decoder", latents: [8], backends: ["wasm"], repeats: [0, 2] },
];

function unetRepeats(latent: number): number {
  return latent >= 64 ? 2 : 3;
}

/** Why full-size networks are not run on a backend at all. */
const FULL_SIZE_SKIPS: Partial<Record<`${Component}.${BackendName}`, string>> = {
  "text_encoder.webgpu": "the text encoder runs at the edge (server CPU), never in the browser",
  "unet.wasm": "3.4 GB of float32 weights do not fit onnxruntime-web's 4 GB wasm32 heap " +
    "next to the graph and activations",
};

function caseId(size: ModelSize, component: Component, latent: number, backend: string): string {
  const shape = component === "text_encoder" ? "" : `.${latent}`;
  return `${component}.${size}${shape}.${backend}`;
}

async function tinyFiles(component: Component) {
  const model = await loadModel("tiny-sd");
  return { modelPath: `${model.root}/${model.manifest.components[component]!.model.path}` };
}

async function measureCase(ctx: SuiteContext, spec: NetworkCase, bench: BenchBackend) {
  const { size, component } = spec;
  const files = size === "tiny"
    ? await tinyFiles(component)
    : await ensureFullSizeNetwork(component, { cacheDir: ctx.cacheDir });
  const loadStart = performance.now();
  const session = await loadNetwork(bench, files);
  const loadMs = performance.now() - loadStart;
  try {
    for (const latent of spec.latents) {
      const repeats = typeof spec.repeats === "function"
        ? spec.repeats(latent)
        : spec.repeats[ctx.quick ? 0 : 1];
      const shapes = await inputShapes(size, component, latent);
      const feeds = networkFeeds(shapes);
      await ctx.refreshLimit(bench.name);
      const timed = await timeRepeats(() => session.run(feeds), { warmup: 1, repeats });
      const image = latent * 8;
      ctx.add(figure({
        id: caseId(size, component, latent, bench.name),
        label: `${size === "tiny" ? "tiny" : "SD 1.5"} ${LABELS[component]}` +
          (component === "text_encoder" ? "" : ` ${latent}×${latent} latent (${image}²)`),
        group: component,
        backend: bench.name,
        unit: "ms",
        flops: await networkFlops(size, component, latent),
        details: {
          shapes,
          loadMs: Math.round(loadMs),
          modelBytes: await modelBytes(files),
          otherCores: timed.otherCores,
        },
      }, timed.samples));
    }
  } finally {
    await session.release();
  }
}

async function modelBytes(files: { modelPath: string; dataPath?: string }): Promise<number> {
  const model = (await Deno.stat(files.modelPath)).size;
  return model + (files.dataPath ? (await Deno.stat(files.dataPath)).size : 0);
}

/**
 * Runs every network case on the backends it names that opened, one backend after the other
 * (the server first: onnxruntime-web's wasm keeps V8 compiling in the background for a while).
 */
export async function measureNetworks(ctx: SuiteContext): Promise<void> {
  for (const name of ALL) {
    const bench = ctx.backend(name);
    if (!bench) continue;
    for (const spec of CASES) {
      if (!spec.backends.includes(name)) continue;
      const ids = spec.latents.map((l) => caseId(spec.size, spec.component, l, name));
      if (spec.size === "sd15" && ctx.quick) {
        for (const id of ids) ctx.skip(id, "--quick runs the tiny model only");
        continue;
      }
      await measureCase(ctx, spec, bench);
    }
  }
  if (ctx.quick) return;
  for (const [key, reason] of Object.entries(FULL_SIZE_SKIPS)) {
    const [component, backend] = key.split(".") as [Component, BackendName];
    if (ctx.backend(backend)) ctx.skip(`${component}.sd15.${backend}`, reason);
  }
}

/** The full-size builds (or cache hits) as figures: build time and bytes per network. */
export async function recordBuilds(ctx: SuiteContext): Promise<void> {
  if (ctx.quick) {
    ctx.skip("build.sd15", "--quick does not build full-size networks");
    return;
  }
  for (const component of ["text_encoder", "unet", "vae_decoder"] as const) {
    const network = await ensureFullSizeNetwork(component, { cacheDir: ctx.cacheDir });
    ctx.add(figure({
      id: `build.sd15.${component}`,
      label: `build SD 1.5 ${component} (random weights, fp32, external data)`,
      group: "build",
      backend: "none",
      unit: "ms",
      details: { bytes: network.bytes, cachedFromEarlierRun: !network.built },
    }, [network.buildMs]));
  }
}
