/**
 * Model variants in the browser: for an export that ships float16 networks beside float32 ones,
 * the SDK on a WebGPU adapter with `shader-f16` downloads the float16 UNet and VAE, and on one
 * without it (SwiftShader in some Chromium builds) the float32 ones; it renders with either.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { main } from "../../models/cli.ts";
import { chromiumAvailable, launchChromium } from "./_chromium.ts";
import { startStack } from "./_stack.ts";
import { writeVariantsExport } from "../models/add/_variants_export.ts";

Deno.test({
  name: "<sd-image> downloads a model's fp16 variant where the adapter has shader-f16, else fp32",
  ignore: !chromiumAvailable("the browser tests"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "variant_e2e_" });
    await writeVariantsExport(`${dir}/tiny-variants`);
    const io = { stdout: () => {}, stderr: () => {}, env: {} };
    // Float16 first (--variant fp16), float32 listed: without shader-f16 the SDK still renders on
    // the GPU, from the fp32 networks, instead of declining the float16 model.
    const args = ["add", `${dir}/tiny-variants`, "--variant", "fp16", "--id", "tiny-variants"];
    assert.equal(await main([...args, "--cache-dir", `${dir}/cache`], io), 0);
    const stack = await startStack({ models: ["tiny-variants"], cacheDir: `${dir}/cache` });
    const chromium = await launchChromium();
    try {
      stack.page(
        "/variant.html",
        `<!doctype html><html><head><meta charset="utf-8"><title>variant</title></head><body>
<script>
  window.__done = null;
  document.addEventListener("sd-error", (e) => { window.__done = { error: e.detail.message }; });
  document.addEventListener("sd-load", async (e) => {
    const png = Array.from(new Uint8Array(await e.detail.blob.arrayBuffer()));
    window.__done = { device: e.detail.device, png };
  });
</script>
<script src="${stack.api.url}/embed.js" data-key="${stack.api.publishableKey}" async></script>
<sd-image model="tiny-variants" prompt="a red circle" seed="3" steps="2" width="64" height="64">
</sd-image></body></html>`,
      );
      const page = await chromium.browser.newPage();
      await page.goto(`${stack.pageOrigin}/variant.html`);
      await page.waitForFunction(() => (globalThis as { __done?: unknown }).__done != null, {
        timeout: 300_000,
        polling: 100,
      });
      const done = await page.evaluate(() =>
        (globalThis as unknown as { __done: { device?: string; png?: number[]; error?: string } })
          .__done
      );
      assert.equal(done.error, undefined);
      assert.equal(done.device, "webgpu");
      assert.equal(decode(Uint8Array.from(done.png!)).width, 64);
      const f16 = await page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: GPU }).gpu;
        return (await gpu?.requestAdapter())?.features.has("shader-f16") ?? false;
      });
      // Paths are /v1/models/<id>/files/<sha256>/<path>; the SDK probes, then downloads.
      const files = new Set(
        stack.api.requests.filter((r) => r.includes("/v1/models/tiny-variants/files/"))
          .map((r) => r.split("/files/")[1]!.replace(/^[0-9a-f]{64}\//, "")),
      );
      console.log(`adapter has 'shader-f16': ${f16}; downloaded ${[...files].join(", ")}`);
      assert.deepEqual(
        [...files].sort(),
        f16
          ? ["unet_fp16/model.onnx", "vae_decoder/model_fp16.onnx"]
          : ["unet/model.onnx", "vae_decoder/model.onnx"],
      );
      await page.close();
    } finally {
      await chromium.close();
      await stack.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
