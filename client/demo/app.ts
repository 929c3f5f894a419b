/**
 * The demo page's behaviour: reads the form, runs the SDK with live progress, shows which device
 * made the image and keeps an embed snippet in sync. The publishable key comes from the URL
 * fragment (`/#key=pk_…`, as `deno task start` can print it) or the connection field, and stays
 * in this browser's localStorage. Once a key is known, the default model's manifest sets the
 * steps and guidance and, for a model with a closed vocabulary (the embedded `toy-shapes`), offers
 * its example prompts.
 *
 * @module
 */

import { samplers } from "../../shared/schedulers/names.ts";
import { createClient } from "../sdk/client.ts";
import type { Client, DevicePreference, GenerateResult, ProgressEvent } from "../sdk/types.ts";

const KEY_STORAGE = "sd-edge:key";
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  form: $<HTMLFormElement>("form"),
  prompt: $<HTMLTextAreaElement>("prompt"),
  examples: $("examples"),
  negative: $<HTMLTextAreaElement>("negative"),
  scheduler: $<HTMLSelectElement>("scheduler"),
  size: $<HTMLSelectElement>("size"),
  steps: $<HTMLInputElement>("steps"),
  stepsOut: $<HTMLOutputElement>("steps-out"),
  guidance: $<HTMLInputElement>("guidance"),
  guidanceOut: $<HTMLOutputElement>("guidance-out"),
  seed: $<HTMLInputElement>("seed"),
  dice: $<HTMLButtonElement>("dice"),
  devicePref: $<HTMLSelectElement>("device-pref"),
  key: $<HTMLInputElement>("key"),
  keyState: $("key-state"),
  connection: $<HTMLDetailsElement>("connection"),
  generate: $<HTMLButtonElement>("generate"),
  cancel: $<HTMLButtonElement>("cancel"),
  device: $("device"),
  deviceLabel: $("device-label"),
  stage: $("stage"),
  image: $<HTMLImageElement>("image"),
  progress: $("progress"),
  bar: $("bar"),
  fill: $("fill"),
  progressLabel: $("progress-label"),
  meta: $("meta"),
  metaDevice: $("meta-device"),
  metaSeed: $("meta-seed"),
  metaTime: $("meta-time"),
  download: $<HTMLAnchorElement>("download"),
  error: $("error"),
  note: $("note"),
  snippet: $("snippet"),
  copy: $<HTMLButtonElement>("copy"),
};

// The sampler choices come from the scheduler registry's one name table.
for (const sampler of samplers()) ui.scheduler.add(new Option(sampler.a1111, sampler.alias));

const DEVICE_NAMES = { webgpu: "WebGPU", wasm: "CPU (wasm)", server: "Server" } as const;
let client: { key: string; device: string; client: Client } | null = null;
let running: AbortController | null = null;
let objectUrl: string | null = null;

function setDevice(state: string, text: string) {
  ui.device.dataset.device = state;
  ui.deviceLabel.textContent = text;
}

function readKey(): string {
  const match = /(?:^|&)key=([^&]+)/.exec(location.hash.slice(1));
  if (match) {
    localStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]!));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

function showKeyState() {
  const key = ui.key.value.trim();
  ui.keyState.textContent = key === "" ? "· no key" : `· ${key.slice(0, 10)}…`;
  if (key === "") ui.connection.open = true;
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function updateSnippet(seed?: string) {
  const [width, height] = ui.size.value.split("x");
  // Only a publishable key belongs in a page's source; tokens expire.
  const typed = ui.key.value.trim();
  const key = typed.startsWith("pk_") ? typed : "pk_…";
  const lines = [
    `<script src="${location.origin}/embed.js" data-key="${attr(key)}" async></script>`,
    `<sd-image prompt="${attr(ui.prompt.value.trim())}"` +
    (seed ?? ui.seed.value.trim() ? ` seed="${attr(seed ?? ui.seed.value.trim())}"` : "") +
    ` steps="${ui.steps.value}" width="${width}" height="${height}"></sd-image>`,
  ];
  ui.snippet.textContent = lines.join("\n");
}

function progress(fraction: number | null, text: string) {
  ui.progress.hidden = false;
  const percent = fraction === null ? 0 : Math.round(fraction * 100);
  ui.fill.style.width = `${percent}%`;
  ui.bar.setAttribute("aria-valuenow", String(percent));
  ui.progressLabel.textContent = text;
}

function onProgress(event: ProgressEvent) {
  switch (event.type) {
    case "device":
      setDevice(event.device, `Rendering on ${DEVICE_NAMES[event.device]}`);
      progress(0, event.device === "server" ? "Sent to the server…" : "Starting the GPU…");
      break;
    case "download":
      progress(
        event.loaded / event.total,
        event.cached
          ? "Model loaded from cache"
          : `Downloading ${event.file} · ${Math.floor(event.loaded / event.total * 100)}%`,
      );
      break;
    case "load":
      progress(0, "Loading the model onto the device…");
      break;
    case "queued":
      progress(0, "Queued on the server…");
      break;
    case "step":
      progress(event.step / event.total, `Step ${event.step} of ${event.total}`);
      break;
    case "decode":
      progress(1, "Decoding…");
      break;
    case "fallback":
      progress(0, "GPU unavailable, switching to the server…");
      break;
  }
}

function clientFor(key: string, device: string): Client {
  if (client?.key === key && client.device === device) return client.client;
  client?.client.close();
  const created = createClient({
    baseUrl: location.origin,
    key,
    device: device as DevicePreference,
  });
  client = { key, device, client: created };
  return created;
}

function showResult(result: GenerateResult) {
  if (objectUrl !== null) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(result.blob);
  ui.image.src = objectUrl;
  ui.image.alt = ui.prompt.value.trim();
  ui.image.classList.toggle("pixelated", result.width < 256);
  ui.stage.dataset.state = "done";
  ui.meta.hidden = false;
  ui.metaDevice.textContent = DEVICE_NAMES[result.device];
  ui.metaSeed.textContent = result.seed;
  ui.metaTime.textContent = `${(result.timings.totalMs / 1000).toFixed(1)} s`;
  ui.download.href = objectUrl;
  ui.download.download = `sd-edge-${result.seed}.png`;
  setDevice(result.device, `Made on ${DEVICE_NAMES[result.device]}`);
  ui.note.hidden = result.fallbackReason === undefined;
  ui.note.textContent = result.fallbackReason
    ? `Rendered on the server: ${result.fallbackReason}.`
    : "";
  updateSnippet(result.seed);
}

async function generate(event: SubmitEvent) {
  event.preventDefault();
  const key = ui.key.value.trim();
  ui.error.hidden = true;
  if (key === "") {
    ui.connection.open = true;
    ui.key.focus();
    ui.error.hidden = false;
    ui.error.textContent =
      "Paste the publishable key printed by 'deno task start' (or a token) first.";
    return;
  }
  localStorage.setItem(KEY_STORAGE, key);
  showKeyState();
  running?.abort();
  const abort = new AbortController();
  running = abort;
  const [width, height] = ui.size.value.split("x").map(Number) as [number, number];
  ui.generate.disabled = true;
  ui.cancel.disabled = false;
  ui.stage.dataset.state = "busy";
  ui.stage.style.aspectRatio = `${width} / ${height}`;
  progress(0, "Encoding the prompt…");
  try {
    const result = await clientFor(key, ui.devicePref.value).generate({
      prompt: ui.prompt.value,
      negativePrompt: ui.negative.value,
      steps: Number(ui.steps.value),
      guidanceScale: Number(ui.guidance.value),
      width,
      height,
      ...(ui.scheduler.value ? { scheduler: ui.scheduler.value } : {}),
      ...(ui.seed.value.trim() ? { seed: ui.seed.value.trim() } : {}),
    }, { signal: abort.signal, onProgress });
    showResult(result);
  } catch (error) {
    ui.stage.dataset.state = ui.image.src ? "done" : "empty";
    if (!abort.signal.aborted) {
      ui.error.hidden = false;
      ui.error.textContent = error instanceof Error ? error.message : String(error);
    }
  } finally {
    ui.progress.hidden = true;
    ui.generate.disabled = false;
    ui.cancel.disabled = true;
    if (running === abort) running = null;
  }
}

interface ModelInfo {
  id: string;
  defaults: { steps: number; guidanceScale: number };
}

/** Applies the default model's step and guidance defaults and shows its example prompts. */
async function showModelDefaults(key: string) {
  const headers = { Authorization: `Bearer ${key}` };
  const list = await fetch(`${location.origin}/v1/models`, { headers });
  if (!list.ok) return;
  const model = ((await list.json()) as { data: ModelInfo[] }).data[0];
  if (model === undefined) return;
  ui.steps.value = ui.stepsOut.value = String(model.defaults.steps);
  ui.guidance.value = ui.guidanceOut.value = String(model.defaults.guidanceScale);
  updateSnippet();
  const manifest = await fetch(`${location.origin}/v1/models/${model.id}`, { headers });
  if (!manifest.ok) return;
  const examples = ((await manifest.json()) as { vocabulary?: { examples: string[] } })
    .vocabulary?.examples ?? [];
  ui.examples.replaceChildren(...examples.map((example) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = example;
    button.addEventListener("click", () => {
      ui.prompt.value = example;
      updateSnippet();
    });
    return button;
  }));
  ui.examples.hidden = examples.length === 0;
}

async function probeGpu() {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null) ?? null;
  if (adapter) setDevice("webgpu", "WebGPU ready");
  else setDevice("server", "No WebGPU · server rendering");
}

ui.key.value = readKey();
showKeyState();
updateSnippet();
void probeGpu();
if (ui.key.value.trim() !== "") void showModelDefaults(ui.key.value.trim()).catch(() => {});
ui.form.addEventListener("submit", (event) => void generate(event));
ui.cancel.addEventListener("click", () => running?.abort());
ui.dice.addEventListener("click", () => {
  ui.seed.value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  updateSnippet();
});
ui.steps.addEventListener("input", () => ui.stepsOut.value = ui.steps.value);
ui.guidance.addEventListener("input", () => ui.guidanceOut.value = ui.guidance.value);
ui.form.addEventListener("input", () => updateSnippet());
ui.key.addEventListener("change", () => {
  showKeyState();
  if (ui.key.value.trim() !== "") void showModelDefaults(ui.key.value.trim()).catch(() => {});
});
ui.copy.addEventListener("click", async () => {
  await navigator.clipboard?.writeText(ui.snippet.textContent ?? "").catch(() => {});
  ui.copy.textContent = "Copied";
  setTimeout(() => ui.copy.textContent = "Copy", 1500);
});
