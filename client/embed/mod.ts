/**
 * `embed.js`: the one script tag a page adds to get `<sd-image>` elements.
 *
 * ```html
 * <script src="https://sd.example.com/embed.js" data-key="pk_..." async></script>
 * <sd-image prompt="a red circle on a blue background" seed="42" width="64" height="64"></sd-image>
 * ```
 *
 * It stays tiny: the SDK (`/sdk.js`), the render worker and onnxruntime-web load lazily from the
 * same server as this script, whose `src` gives the base URL. Optional attributes:
 * `data-device` (`auto`, `webgpu`, `wasm`, `server`) and `data-worker-url` (a render worker served
 * elsewhere, relative to the script).
 *
 * @module
 */

import type { Client, DevicePreference } from "../sdk/mod.ts";
import { defineSdImage } from "./sd_image.ts";

/** What the script tag says. */
interface EmbedConfig {
  baseUrl: string;
  key: string;
  device: DevicePreference | undefined;
  workerUrl: string | undefined;
}

function readConfig(): EmbedConfig {
  const script = (document.currentScript ??
    document.querySelector('script[src*="embed.js"][data-key]')) as HTMLScriptElement | null;
  const src = script?.src ?? "";
  const base = src === "" ? location.href : src;
  const url = new URL(".", base);
  return {
    baseUrl: `${url.origin}${url.pathname.replace(/\/$/, "")}`,
    key: script?.dataset.key ?? "",
    device: script?.dataset.device as DevicePreference | undefined,
    workerUrl: script?.dataset.workerUrl ? new URL(script.dataset.workerUrl, base).href : undefined,
  };
}

/** Why `/sdk.js` could not load: this page's origin refused (CORS) or the server is down. */
async function loadFailure(config: EmbedConfig, cause: unknown): Promise<Error> {
  let reachable = false;
  try {
    await fetch(`${config.baseUrl}/healthz`, { mode: "no-cors", cache: "no-store" });
    reachable = true;
  } catch {
    // Unreachable.
  }
  const error = new Error(
    reachable
      ? `This site (${location.origin}) is not allowed to use this key: add it to the key's ` +
        "allowed origins"
      : `Cannot reach the image server at ${config.baseUrl}`,
    { cause },
  );
  return Object.assign(error, { code: reachable ? "forbidden_origin" : "network_error" });
}

const config = readConfig();
let client: Promise<Client> | null = null;

defineSdImage({
  client() {
    if (config.key === "") {
      return Promise.reject(
        Object.assign(new Error("The embed script has no data-key attribute"), {
          code: "unauthorized",
        }),
      );
    }
    client ??= import(/* @vite-ignore */ `${config.baseUrl}/sdk.js`).then(
      (sdk: typeof import("../sdk/mod.ts")) =>
        sdk.createClient({
          baseUrl: config.baseUrl,
          key: config.key,
          ...(config.device ? { device: config.device } : {}),
          ...(config.workerUrl ? { workerUrl: config.workerUrl } : {}),
        }),
      async (error) => {
        client = null;
        throw await loadFailure(config, error);
      },
    );
    return client;
  },
});
