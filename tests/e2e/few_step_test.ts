/**
 * The browser SDK on few-step models: `<sd-image>` in headless Chromium renders the tiny LCM model
 * (UNet with `timestep_cond`) and the tiny model with SD-Turbo's scheduler (guidance 0, 1 and 4
 * steps) on WebGPU (SwiftShader) from `/v1/encode` embeddings; each image reproduces diffusers'
 * golden in `../shared/fixtures/lcm/` and `../shared/fixtures/turbo/` within its tolerances.
 */
import assert from "node:assert/strict";
import { chromiumAvailable, launchChromium } from "./_chromium.ts";
import { startStack } from "./_stack.ts";
import {
  assertMatchesCase,
  caseSeed,
  fewStepCases,
  fewStepModel,
} from "../shared/pipeline/_few_step_golden.ts";

interface Outcome {
  error: string | null;
  device: string | null;
  png: number[] | null;
}

Deno.test({
  name: "<sd-image> on WebGPU in Chromium reproduces the LCM and SD-Turbo goldens",
  ignore: !chromiumAvailable("the browser tests"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cacheDir = await Deno.makeTempDir({ prefix: "few_step_e2e_" });
    const sets = ["lcm", "turbo"] as const;
    for (const set of sets) await fewStepModel(set, `${cacheDir}/tiny-${set}`, `tiny-${set}`);
    const stack = await startStack({ models: sets.map((set) => `tiny-${set}`), cacheDir });
    const chromium = await launchChromium();
    try {
      for (const set of sets) {
        for (const golden of await fewStepCases(set)) {
          const { prompt, num_inference_steps: steps, guidance_scale: guidance } = golden.call;
          const seed = await caseSeed(set, golden.name);
          stack.page(
            `/${golden.name}.html`,
            `<!doctype html><html><head><meta charset="utf-8"><title>${golden.name}</title></head>
<body><script>
  window.__outcome = { error: null, device: null, png: null };
  document.addEventListener("sd-error", (e) => { window.__outcome.error = e.detail.message; });
  document.addEventListener("sd-load", async (e) => {
    window.__outcome.png = Array.from(new Uint8Array(await e.detail.blob.arrayBuffer()));
    window.__outcome.device = e.detail.device;
  });
</script>
<script src="${stack.api.url}/embed.js" data-key="${stack.api.publishableKey}" async></script>
<sd-image model="tiny-${set}" prompt="${prompt}" seed="${seed}" steps="${steps}"
  guidance-scale="${guidance}" width="64" height="64"></sd-image>
</body></html>`,
          );
          const page = await chromium.browser.newPage();
          await page.goto(`${stack.pageOrigin}/${golden.name}.html`);
          await page.waitForFunction(
            () => {
              const o = (globalThis as unknown as { __outcome: Outcome }).__outcome;
              return o.error !== null || o.png !== null;
            },
            { timeout: 300_000, polling: 100 },
          );
          const outcome = await page.evaluate(() =>
            (globalThis as unknown as { __outcome: Outcome }).__outcome
          );
          assert.equal(outcome.error, null);
          assert.equal(outcome.device, "webgpu");
          const png = Uint8Array.from(outcome.png!);
          console.log("browser (WebGPU):", await assertMatchesCase(set, golden, { image: png }));
          await page.close();
        }
      }
    } finally {
      await chromium.close();
      await stack.close();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
