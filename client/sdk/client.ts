/**
 * The SDK client: one `generate` call that renders on the caller's GPU when it can (prompt
 * embeddings from `POST /v1/encode`, UNet and VAE downloaded once, denoised in a Web Worker) and
 * on the server's render worker when it cannot (no WebGPU, too little memory, a lost device, a
 * GPU error mid-run), and says which device made the image.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import { type Api, createApi, normalizeBaseUrl } from "./_http.ts";
import { PIPELINE_LIMITS } from "../../shared/generation/limits.ts";
import type { GenerationInit, GenerationParams } from "../../shared/generation/params.ts";
import { checkGeneration, resolveGeneration } from "../../shared/generation/resolve.ts";
import { checkWebGpu, hasShaderF16, pickVariant } from "./capabilities.ts";
import { isAbortError, SdClientError } from "./errors.ts";
import { createLocalRenderer, type LocalRenderer, LocalRenderError } from "./local_render.ts";
import { fetchModelFile, type RemoteModelFile } from "./model_files.ts";
import { renderOnServer } from "./server_render.ts";
import { prepareImages } from "./init_image.ts";
import type {
  Client,
  ClientOptions,
  DevicePreference,
  GenerateOptions,
  GenerateParams,
  GenerateResult,
  GenerateTimings,
  GpuLike,
  ProgressEvent,
  RenderDevice,
} from "./types.ts";

declare const __SD_WORKER_FILE__: string | undefined;
declare const __SD_ORT_FOLDER__: string | undefined;

/** The render worker of this build, relative to the server root (set by `client/build.ts`). */
const WORKER_FILE = typeof __SD_WORKER_FILE__ === "string"
  ? __SD_WORKER_FILE__
  : "ort/render_worker.js";

/** onnxruntime-web's wasm files of this build (a content-hashed folder), relative to the root. */
const ORT_FOLDER = typeof __SD_ORT_FOLDER__ === "string" ? __SD_ORT_FOLDER__ : "ort";

const DEVICES = ["auto", "webgpu", "wasm", "server"];
// Failures the server would answer the same way: reported, never retried there.
const FINAL_CODES = new Set(["unauthorized", "forbidden_origin", "forbidden", "rate_limited"]);

type RemoteManifest = ModelManifest & {
  components: Record<"unet" | "vae_decoder", { model: RemoteModelFile }> & {
    vae_encoder?: { model: RemoteModelFile };
  };
};

interface Encoding {
  model: string;
  shape: [1, number, number];
  cond: string;
  uncond: string;
}

function floats(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A client for one server and key (what {@linkcode createClient} returns).
 *
 * @throws {TypeError} for a bad `baseUrl`, an empty `key` or an unknown `device`.
 */
export class SdClient implements Client {
  readonly baseUrl: string;
  readonly #preference: DevicePreference;
  readonly #api: Api;
  readonly #fetch: typeof fetch;
  readonly #nav: (Navigator & { gpu?: GpuLike; deviceMemory?: number }) | undefined;
  readonly #gpu: GpuLike | null;
  readonly #storage: CacheStorage | null;
  readonly #workerUrl: string;
  readonly #ortUrl: string;
  readonly #manifests = new Map<string, Promise<RemoteManifest>>();
  #renderer: Promise<LocalRenderer> | null = null;
  #unavailable: string | null = null;

  constructor(options: ClientOptions) {
    const baseUrl = normalizeBaseUrl(options.baseUrl);
    if (typeof options.key !== "string" || options.key.trim() === "") {
      throw new TypeError("Cannot create a client as 'key' must be a non-empty string");
    }
    const preference = options.device ?? "auto";
    if (!DEVICES.includes(preference)) {
      throw new TypeError(
        `Cannot create a client as 'device' must be one of ${DEVICES.join(", ")}: ` +
          `current value is '${preference}'`,
      );
    }
    this.baseUrl = baseUrl;
    this.#preference = preference;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#api = createApi({ baseUrl, key: options.key.trim(), fetch: this.#fetch });
    this.#nav = globalThis.navigator as
      | (Navigator & { gpu?: GpuLike; deviceMemory?: number })
      | undefined;
    this.#gpu = options.gpu === undefined ? this.#nav?.gpu ?? null : options.gpu;
    this.#storage = options.cache === false ? null : globalThis.caches ?? null;
    this.#workerUrl = options.workerUrl ?? new URL(WORKER_FILE, `${baseUrl}/`).href;
    this.#ortUrl = options.ortUrl ?? `${baseUrl}/${ORT_FOLDER}/`;
  }

  /** Generates one image. */
  async generate(params: GenerateParams, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const started = performance.now();
    // Checked before any request (so a typo fails before a download); the seed is drawn here,
    // once, so the server fallback renders the same image the device would have.
    const { signal } = opts;
    const { image, mask, ...fields } = params;
    if (mask !== undefined && image === undefined) {
      throw new SdClientError("invalid_request", "'mask' needs an 'image'", { param: "mask" });
    }
    const images = image === undefined ? {} : await prepareImages({
      image,
      ...(mask !== undefined ? { mask } : {}),
      ...(fields.width !== undefined ? { width: fields.width } : {}),
      ...(fields.height !== undefined ? { height: fields.height } : {}),
      ...(fields.resizeMode !== undefined ? { resizeMode: fields.resizeMode } : {}),
    }, { fetch: this.#fetch, ...(signal ? { signal } : {}) });
    const checked = checkGeneration({ ...fields, ...images, batchSize: 1 }, PIPELINE_LIMITS);
    const direct: GenerationInit = checked;
    const preference = this.#preference;
    if (preference === "server") return await this.#viaServer(direct, started, opts);
    const device: RenderDevice = preference === "auto" ? "webgpu" : preference;
    if (device === "webgpu" && this.#gpu === null) {
      return await this.#viaServer(direct, started, opts, "this browser has no WebGPU");
    }
    if (this.#unavailable !== null) {
      return await this.#viaServer(direct, started, opts, this.#unavailable);
    }

    const encodeStarted = performance.now();
    const encoding = await this.#api.json<Encoding>("/v1/encode", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        prompt: checked.prompt,
        negative_prompt: checked.negativePrompt ?? "",
        ...(checked.model !== undefined ? { model: checked.model } : {}),
      }),
      ...(signal ? { signal } : {}),
    });
    const timings: GenerateTimings = { totalMs: 0, encodeMs: performance.now() - encodeStarted };
    // The float16 networks where the GPU computes in float16, the float32 ones elsewhere.
    const manifest = pickVariant(await this.#manifestOf(encoding.model), {
      shaderF16: device === "webgpu" && await hasShaderF16(this.#gpu),
    });
    const resolved = resolveGeneration(checked, manifest, PIPELINE_LIMITS);
    if (device === "webgpu") {
      const memory = this.#nav?.deviceMemory;
      const support = await checkWebGpu(manifest, resolved, {
        gpu: this.#gpu,
        ...(memory !== undefined ? { deviceMemoryGb: memory } : {}),
      });
      if (!support.ok) return await this.#viaServer(resolved, started, opts, support.reason);
    }
    try {
      const result = await this.#viaDevice(device, resolved, manifest, encoding, timings, opts);
      result.timings.totalMs = performance.now() - started;
      return result;
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) throw signal?.reason ?? error;
      if (error instanceof SdClientError && FINAL_CODES.has(error.code)) throw error;
      const reason = `${device} rendering failed: ${describe(error)}`;
      if (error instanceof LocalRenderError) {
        this.close();
        if (error.kind === "unavailable") this.#unavailable = reason;
      }
      opts.onProgress?.({ type: "fallback", from: device, reason });
      return await this.#viaServer(resolved, started, opts, reason);
    }
  }

  /** Stops the render worker and frees its GPU memory. */
  close(): void {
    const current = this.#renderer;
    this.#renderer = null;
    void current?.then((r) => r.close(), () => {});
  }

  #manifestOf(id: string): Promise<RemoteManifest> {
    let manifest = this.#manifests.get(id);
    if (manifest === undefined) {
      manifest = this.#api.json<RemoteManifest>(`/v1/models/${encodeURIComponent(id)}`);
      this.#manifests.set(id, manifest);
      manifest.catch(() => this.#manifests.delete(id));
    }
    return manifest;
  }

  async #viaServer(
    request: GenerationInit,
    started: number,
    opts: GenerateOptions,
    fallbackReason?: string,
  ): Promise<GenerateResult> {
    opts.onProgress?.({ type: "device", device: "server" });
    const serverStarted = performance.now();
    const image = await renderOnServer(request, {
      api: this.#api,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const end = performance.now();
    return {
      blob: new Blob([image.png], { type: "image/png" }),
      seed: image.parameters.seed,
      parameters: image.parameters,
      device: "server",
      ...(fallbackReason !== undefined ? { fallbackReason } : {}),
      width: image.parameters.width,
      height: image.parameters.height,
      timings: { totalMs: end - started, serverMs: end - serverStarted },
    };
  }

  async #viaDevice(
    device: "webgpu" | "wasm",
    resolved: GenerationParams,
    manifest: RemoteManifest,
    encoding: Encoding,
    timings: GenerateTimings,
    opts: GenerateOptions,
  ): Promise<GenerateResult> {
    const { signal, onProgress } = opts;
    const emit = (event: ProgressEvent) => onProgress?.(event);
    emit({ type: "device", device });
    this.#renderer ??= createLocalRenderer({
      workerUrl: this.#workerUrl,
      ortUrl: this.#ortUrl,
      device,
    });
    const local = await this.#renderer;
    const api = this.#api;
    const encoder = manifest.components.vae_encoder?.model;
    if (resolved.initImage !== undefined && encoder === undefined) {
      throw new LocalRenderError("failed", `model '${manifest.id}' has no vae_encoder`);
    }
    // The encoder is fetched (and its hash keys the loaded model) only for image to image.
    const files = [
      manifest.components.unet.model,
      manifest.components.vae_decoder.model,
      ...(resolved.initImage !== undefined ? [encoder!] : []),
    ];
    const fetchOptions = { api, caches: this.#storage, storage: this.#nav?.storage ?? null };
    const model = {
      key: `${manifest.id}:${files.map((f) => f.sha256).join(":")}`,
      async load() {
        const downloadStarted = performance.now();
        const [unet, vaeDecoder, vaeEncoder] = await Promise.all(
          files.map((file) =>
            fetchModelFile(file, {
              ...fetchOptions,
              ...(signal ? { signal } : {}),
              onProgress: (loaded, total, cached) =>
                emit({ type: "download", file: file.path, loaded, total, cached }),
            })
          ),
        ) as Uint8Array<ArrayBuffer>[];
        timings.downloadMs = performance.now() - downloadStarted;
        return { unet: unet!, vaeDecoder: vaeDecoder!, ...(vaeEncoder ? { vaeEncoder } : {}) };
      },
    };
    const image = await local.render(model, {
      params: resolved,
      embeddings: {
        cond: floats(encoding.cond),
        uncond: floats(encoding.uncond),
        shape: encoding.shape,
      },
      model: {
        schedulerConfig: manifest.schedulerConfig,
        scalingFactor: manifest.scalingFactor,
        vaeScaleFactor: manifest.vaeScaleFactor,
      },
    }, { ...(signal ? { signal } : {}), onProgress: emit });
    return {
      blob: new Blob([image.png], { type: "image/png" }),
      seed: image.seed,
      parameters: resolved,
      device,
      width: resolved.width,
      height: resolved.height,
      timings: { ...timings, ...image.timings, totalMs: timings.totalMs },
    };
  }
}

/**
 * Creates a client for one server and key.
 *
 * @throws {TypeError} for a bad `baseUrl`, an empty `key` or an unknown `device`.
 *
 * @example Generating on the caller's GPU, with the server as fallback
 * ```ts ignore
 * const client = createClient({ baseUrl: "https://sd.example.com", key: "pk_..." });
 * const { blob, device, seed } = await client.generate(
 *   { prompt: "a red circle on a blue background", steps: 25, seed: 42 },
 *   { onProgress: (e) => e.type === "step" && console.log(`${e.step}/${e.total}`) },
 * );
 * document.querySelector("img")!.src = URL.createObjectURL(blob);
 * ```
 */
export function createClient(options: ClientOptions): Client {
  return new SdClient(options);
}
