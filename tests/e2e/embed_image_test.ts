/**
 * `<sd-image>` with an init image in a real browser: headless Chromium with WebGPU on
 * SwiftShader runs the VAE encoder, the UNet and the decoder on the page's GPU (the tiny model at
 * 64×64); the result matches the server's `/v1/images/edits` within 2/255, and with WebGPU
 * disabled the server renders it (through `/v1/jobs`, the image sent by value as a PNG).
 */
import assert from "node:assert/strict";
import { maxDifference, outcome, OUTCOME_SCRIPT } from "./_sd_image_page.ts";
import { encodePng } from "../../shared/image/mod.ts";
import { toBase64 } from "../../functions/routes/_generation.ts";
import { gradientRgba } from "../_bad_images.ts";
import { chromiumAvailable, launchChromium } from "./_chromium.ts";
import { type Stack, startStack } from "./_stack.ts";

const PROMPT = "a watercolor painting of a lighthouse";
const SEED = 7;
const STEPS = 5;
const STRENGTH = 0.6;
const INIT = encodePng(gradientRgba(64), { width: 64, height: 64 });

function page(stack: Stack): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>img2img</title></head><body>
${OUTCOME_SCRIPT}
<script src="${stack.api.url}/embed.js" data-key="${stack.api.publishableKey}" async></script>
<sd-image prompt="${PROMPT}" seed="${SEED}" steps="${STEPS}" strength="${STRENGTH}"
  init-image="data:image/png;base64,${toBase64(INIT)}"></sd-image>
</body></html>`;
}

/** The server's image for the same edit, through the OpenAI edits route. */
async function serverImage(stack: Stack): Promise<Uint8Array> {
  const form = new FormData();
  form.set("image", new Blob([new Uint8Array(INIT)], { type: "image/png" }), "init.png");
  form.set("prompt", PROMPT);
  form.set("seed", String(SEED));
  form.set("steps", String(STEPS));
  form.set("strength", String(STRENGTH));
  form.set("response_format", "b64_json");
  const response = await fetch(`${stack.api.url}/v1/images/edits`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.api.secretKey}` },
    body: form,
  });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return Uint8Array.from(atob(json.data[0].b64_json), (c) => c.charCodeAt(0));
}

Deno.test({
  name:
    "<sd-image init-image strength> renders image to image on WebGPU and falls back to the server",
  ignore: !chromiumAvailable("the browser tests"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack();
    const chromium = await launchChromium();
    const reference = await serverImage(stack);
    try {
      await t.step("WebGPU runs the VAE encoder and matches the server within 2/255", async () => {
        stack.page("/img2img.html", page(stack));
        const p = await chromium.browser.newPage();
        await p.goto(`${stack.pageOrigin}/img2img.html`);
        const result = await outcome(p);
        const load = result.events.find((e) => e.type === "sd-load");
        assert.ok(
          load,
          `no image: ${JSON.stringify(result.events.filter((e) => e.type === "sd-error"))}`,
        );
        assert.equal(load.detail.device, "webgpu", `fell back: ${load.detail.fallbackReason}`);
        const downloads = result.events
          .filter((e) => e.type === "sd-progress" && e.detail.type === "download")
          .map((e) => e.detail.file);
        assert.ok(downloads.includes("vae_encoder/model.onnx"), `downloads: ${downloads}`);
        const steps = result.events.filter((e) =>
          e.type === "sd-progress" && e.detail.type === "step"
        );
        // 5 steps at strength 0.6 run ⌊5 · 0.6⌋ = 3.
        assert.equal(steps.at(-1)?.detail.total, 3);
        const difference = maxDifference(Uint8Array.from(result.png!), reference);
        console.log(
          `img2img max pixel difference WebGPU (SwiftShader) vs server: ${difference}/255`,
        );
        assert.ok(difference <= 2, `max difference ${difference} > 2`);
        await p.close();
      });

      await t.step("with WebGPU disabled the server renders the same image", async () => {
        const p = await chromium.browser.newPage();
        await p.evaluateOnNewDocument(() => {
          delete (Navigator.prototype as { gpu?: unknown }).gpu;
        });
        await p.goto(`${stack.pageOrigin}/img2img.html`);
        const result = await outcome(p);
        const load = result.events.find((e) => e.type === "sd-load");
        assert.equal(load?.detail.device, "server", JSON.stringify(result.events.slice(-3)));
        assert.equal(load?.detail.fallbackReason, "this browser has no WebGPU");
        assert.equal(maxDifference(Uint8Array.from(result.png!), reference), 0);
        await p.close();
      });
    } finally {
      await chromium.close();
      await stack.close();
    }
  },
});
