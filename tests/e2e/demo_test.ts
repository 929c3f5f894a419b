/**
 * The demo page at `/` in a real browser: a generation from the form, then screenshots of the
 * page on a desktop and a phone-sized viewport (written to `tests/e2e/output/demo.png` and
 * `demo_phone.png`, which git ignores).
 */
import assert from "node:assert/strict";
import { chromiumAvailable, launchChromium } from "./_chromium.ts";
import { startStack } from "./_stack.ts";

const OUTPUT = new URL("./output/", import.meta.url).pathname;

Deno.test({
  name: "the demo page generates from its form, shows the device and an embed snippet",
  ignore: !chromiumAvailable("the demo page test"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack();
    const chromium = await launchChromium();
    try {
      // A short-lived token minted with the secret key, as a site's backend would hand one to
      // its page. (Same-origin GETs carry no Origin header, which publishable keys require.)
      const minted = await fetch(`${stack.api.url}/v1/tokens`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${stack.api.secretKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ expires_in: 600 }),
      });
      assert.equal(minted.status, 201);
      const key: string = (await minted.json()).token;
      const page = await chromium.browser.newPage();
      await page.setViewport({ width: 1280, height: 1000, deviceScaleFactor: 1 });
      await page.goto(`${stack.api.url}/#key=${key}`);
      assert.equal(new URL(page.url()).hash, "", "the key is taken out of the address bar");
      await page.$eval("#steps", (el) => {
        (el as HTMLInputElement).value = "6";
        el.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await page.type("#seed", "42");
      await page.click("#generate");
      await page.waitForFunction(
        () =>
          document.getElementById("stage")?.dataset.state === "done" ||
          !document.getElementById("error")?.hidden,
        { timeout: 300_000, polling: 100 },
      );
      const state = await page.evaluate(() => ({
        error: document.getElementById("error")!.hidden
          ? null
          : document.getElementById("error")!.textContent,
        device: document.getElementById("meta-device")!.textContent,
        note: document.getElementById("note")!.textContent,
        seed: document.getElementById("meta-seed")!.textContent,
        indicator: document.getElementById("device")!.dataset.device,
        snippet: document.getElementById("snippet")!.textContent,
        image: (document.getElementById("image") as HTMLImageElement).naturalWidth,
      }));
      assert.equal(state.error, null);
      assert.equal(state.device, "WebGPU", `fell back: ${state.note}`);
      assert.equal(state.indicator, "webgpu");
      assert.equal(state.seed, "42");
      assert.equal(state.image, 64);
      assert.ok(
        state.snippet?.includes(`<script src="${stack.api.url}/embed.js" data-key="pk_…" async>`),
      );
      assert.ok(state.snippet?.includes('seed="42" steps="6" width="64" height="64"'));
      await Deno.mkdir(OUTPUT, { recursive: true });
      const path = `${OUTPUT}demo.png`;
      await page.screenshot({ path: path as `${string}.png`, fullPage: true });
      console.log(`demo page screenshot: ${path}`);

      // A phone-sized viewport: one column, nothing wider than the screen (the embed snippet
      // scrolls inside its box).
      await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
      const phone = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: globalThis.innerWidth,
        columns: getComputedStyle(document.querySelector(".layout")!).gridTemplateColumns
          .split(" ").length,
      }));
      assert.ok(
        phone.scrollWidth <= phone.innerWidth,
        `the page is ${phone.scrollWidth}px wide in a ${phone.innerWidth}px viewport`,
      );
      assert.equal(phone.columns, 1);
      const phonePath = `${OUTPUT}demo_phone.png`;
      await page.screenshot({ path: phonePath as `${string}.png`, fullPage: true });
      console.log(`demo page screenshot (390px wide): ${phonePath}`);
      await page.close();
    } finally {
      await chromium.close();
      await stack.close();
    }
  },
});
