/**
 * The `<sd-image>` custom element: generates an image from its attributes (reactively; an
 * `init-image` URL and a `strength` make it image to image, a `mask` URL inpainting), shows a
 * progress bar, then the image (`alt` = the prompt), or a clear error with a keyboard-usable retry
 * button. Fires `sd-progress`, `sd-load` and `sd-error`. The SDK is loaded on first use.
 *
 * @module
 */

import type {
  Client,
  GenerateParams,
  GenerateResult,
  ProgressEvent,
  SdClientError,
} from "../sdk/mod.ts";
import { paramsFromAttributes, SD_IMAGE_ATTRIBUTES } from "./attributes.ts";
import { STYLES } from "./_styles.ts";

/** Options of {@linkcode defineSdImage}. */
export interface DefineSdImageOptions {
  /** Resolves the SDK client (loads `/sdk.js` the first time). */
  client(): Promise<Client>;
  /** The element name. @default "sd-image" */
  name?: string;
}

const TEMPLATE = `<style>${STYLES}</style><div class="stage" part="stage">` +
  `<img part="image" alt="" decoding="async">` +
  `<div class="status indeterminate" part="status"><div class="bar" role="progressbar" ` +
  `aria-valuemin="0" aria-valuemax="100"><span></span></div>` +
  `<span class="label" aria-live="polite">Preparing…</span></div>` +
  `<div class="error" part="error" role="alert" hidden><p class="message"></p>` +
  `<button type="button" part="retry">Try again</button></div></div>`;

function label(event: ProgressEvent): string {
  switch (event.type) {
    case "device":
      return event.device === "server" ? "Rendering on the server…" : "Starting the GPU…";
    case "download":
      return event.cached
        ? "Loading the model…"
        : `Downloading the model… ${Math.floor(event.loaded / event.total * 100)}%`;
    case "load":
      return "Loading the model…";
    case "queued":
      return "Waiting for the server…";
    case "step":
      return `Step ${event.step} of ${event.total}`;
    case "decode":
      return "Finishing…";
    case "fallback":
      return "Switching to the server…";
  }
}

/**
 * Registers `<sd-image>` (once; later calls are ignored).
 *
 * @example Usage
 * ```ts ignore
 * defineSdImage({ client: () => import("/sdk.js").then((m) => m.createClient({ baseUrl, key })) });
 * ```
 */
export function defineSdImage(options: DefineSdImageOptions): void {
  const name = options.name ?? "sd-image";
  if (customElements.get(name)) return;

  class SdImage extends HTMLElement {
    static observedAttributes = SD_IMAGE_ATTRIBUTES;
    #root = this.attachShadow({ mode: "open" });
    #abort: AbortController | null = null;
    #scheduled = false;
    #objectUrl: string | null = null;
    #parts: {
      stage: HTMLElement;
      img: HTMLImageElement;
      status: HTMLElement;
      bar: HTMLElement;
      fill: HTMLElement;
      label: HTMLElement;
      error: HTMLElement;
      message: HTMLElement;
    };

    constructor() {
      super();
      this.#root.innerHTML = TEMPLATE;
      const $ = <T extends HTMLElement>(selector: string) =>
        this.#root.querySelector(selector) as T;
      this.#parts = {
        stage: $(".stage"),
        img: $("img"),
        status: $(".status"),
        bar: $(".bar"),
        fill: $(".bar span"),
        label: $(".label"),
        error: $(".error"),
        message: $(".message"),
      };
      $("button").addEventListener("click", () => this.#schedule());
    }

    connectedCallback() {
      this.#schedule();
    }

    disconnectedCallback() {
      this.#abort?.abort();
      this.#abort = null;
    }

    attributeChangedCallback(_name: string, previous: string | null, next: string | null) {
      if (previous !== next && this.isConnected) this.#schedule();
    }

    /** Regenerates now (e.g. after a failure). */
    retry() {
      this.#schedule();
    }

    #params(): GenerateParams {
      return paramsFromAttributes((name) => this.getAttribute(name), document.baseURI);
    }

    #schedule() {
      if (this.#scheduled) return;
      this.#scheduled = true;
      // Attribute changes made together (prompt + seed) start one generation.
      queueMicrotask(() => {
        this.#scheduled = false;
        if (this.isConnected) void this.#generate();
      });
    }

    #progress(fraction: number | null, text: string) {
      const { status, bar, fill, label } = this.#parts;
      status.classList.toggle("indeterminate", fraction === null);
      const percent = fraction === null ? null : Math.round(fraction * 100);
      if (percent === null) bar.removeAttribute("aria-valuenow");
      else bar.setAttribute("aria-valuenow", String(percent));
      fill.style.width = percent === null ? "" : `${percent}%`;
      label.textContent = text;
    }

    async #generate() {
      this.#abort?.abort();
      const abort = new AbortController();
      this.#abort = abort;
      const { stage, img, status, error, message } = this.#parts;
      const params = this.#params();
      const width = params.width ?? 512;
      const height = params.height ?? 512;
      this.style.setProperty("--sd-natural-width", `${width}px`);
      stage.style.aspectRatio = `${width} / ${height}`;
      img.alt = params.prompt;
      stage.classList.remove("done");
      status.hidden = false;
      error.hidden = true;
      this.setAttribute("aria-busy", "true");
      this.#progress(null, "Preparing…");
      const onProgress = (event: ProgressEvent) => {
        if (abort.signal.aborted) return;
        const fraction = event.type === "step"
          ? event.step / event.total
          : event.type === "download"
          ? event.loaded / event.total
          : null;
        this.#progress(fraction, label(event));
        this.dispatchEvent(new CustomEvent("sd-progress", { detail: event, bubbles: true }));
      };
      let result: GenerateResult;
      try {
        const client = await options.client();
        result = await client.generate(params, { signal: abort.signal, onProgress });
      } catch (failure) {
        if (abort.signal.aborted) return;
        const e = failure as Partial<SdClientError>;
        const code = e.code ?? "generation_failed";
        message.textContent = e.message
          ? `Could not create the image: ${e.message}`
          : String(failure);
        status.hidden = true;
        error.hidden = false;
        this.removeAttribute("aria-busy");
        this.dispatchEvent(
          new CustomEvent("sd-error", {
            detail: { code, message: e.message ?? "", error: failure },
            bubbles: true,
          }),
        );
        return;
      }
      if (abort.signal.aborted) return;
      if (this.#objectUrl !== null) URL.revokeObjectURL(this.#objectUrl);
      this.#objectUrl = URL.createObjectURL(result.blob);
      img.src = this.#objectUrl;
      await img.decode().catch(() => {});
      if (abort.signal.aborted) return;
      stage.classList.add("done");
      this.setAttribute("data-device", result.device);
      this.removeAttribute("aria-busy");
      this.dispatchEvent(new CustomEvent("sd-load", { detail: result, bubbles: true }));
    }
  }

  customElements.define(name, SdImage);
}
