/**
 * The browser SDK on an LCM model: `<sd-image>` in headless Chromium renders the tiny LCM model
 * (UNet with `timestep_cond`) on WebGPU (SwiftShader) from `/v1/encode` embeddings, and the image
 * reproduces diffusers' `lcm_4steps` golden of `../shared/fixtures/lcm/`.
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
  name: "<sd-image> renders the tiny LCM model on WebGPU in Chromium, reproducing the LCM golden",
  ignore: !chromiumAvailable("the browser tests"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cacheDir = await Deno.makeTempDir({ prefix: "lcm_e2e_" });
    await fewStepModel("lcm", `${cacheDir}/tiny-lcm`, "tiny-lcm");
    const [golden] = await fewStepCases("lcm");
    const stack = await startStack({ models: ["tiny-lcm"], cacheDir });
    const chromium = await launchChromium();
    try {
      stack.page(
        "/lcm.html",
        `<!doctype html><html><head><meta charset="utf-8"><title>lcm</title></head><body>
<script>
  window.__outcome = { error: null, device: null, png: null };
  document.addEventListener("sd-error", (e) => { window.__outcome.error = e.detail.message; });
  document.addEventListener("sd-load", async (e) => {
    window.__outcome.png = Array.from(new Uint8Array(await e.detail.blob.arrayBuffer()));
    window.__outcome.device = e.detail.device;
  });
</script>
<script src="${stack.api.url}/embed.js" data-key="${stack.api.publishableKey}" async></script>
<sd-image model="tiny-lcm" prompt="${golden!.call.prompt}" seed="${await caseSeed(
          "lcm",
          golden!.name,
        )}" steps="4" guidance-scale="8.5" width="64" height="64"></sd-image>
</body></html>`,
      );
      const page = await chromium.browser.newPage();
      await page.goto(`${stack.pageOrigin}/lcm.html`);
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
      console.log(
        "browser (WebGPU):",
        await assertMatchesCase("lcm", golden!, { image: Uint8Array.from(outcome.png!) }),
      );
      await page.close();
    } finally {
      await chromium.close();
      await stack.close();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
