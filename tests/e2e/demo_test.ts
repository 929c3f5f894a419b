/**
 * The demo page at `/` in a real browser on the default `toy-shapes` model: a generation with the
 * default prompt, then one with an example prompt from its manifest, both on WebGPU through the
 * browser SDK (DPM++ 2M, 6 steps: a UNet step takes ~11 s on Chromium's software adapter), each within 2/255 of the CPU pipeline's image for the
 * same seed and scored against its prompt; then screenshots of the page on a desktop and a
 * phone-sized viewport (written to `tests/e2e/output/demo.png` and `demo_phone.png`, which git
 * ignores).
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { generate } from "../../shared/pipeline/mod.ts";
import { pngPicture, scorePicture } from "../_adherence/mod.ts";
import { withCpuPipeline } from "../_cpu_pipeline.ts";
import { chromiumAvailable, launchChromium } from "./_chromium.ts";
import { type Stack, startStack } from "./_stack.ts";

const SCHEDULER = "dpmpp_2m";
const STEPS = 6;

/** Clicks Generate and waits for the image (or an error). */
async function generateOnPage(page: Page): Promise<void> {
  await page.click("#generate");
  await page.waitForFunction(
    () =>
      (document.getElementById("stage")?.dataset.state === "done" &&
        !(document.getElementById("generate") as HTMLButtonElement).disabled) ||
      !document.getElementById("error")?.hidden,
    { timeout: 480_000, polling: 100 }, // 170–200 s measured on a loaded 2-core machine
  );
}

/** The page's image as RGBA, checked against the CPU pipeline's image and the prompt. */
async function checkImage(page: Page, stack: Stack, prompt: string, seed: number) {
  const request = { prompt, seed, scheduler: SCHEDULER, steps: STEPS };
  const base64 = await page.evaluate(async () => {
    const blob = await (await fetch((document.getElementById("image") as HTMLImageElement).src))
      .blob();
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  });
  const browser = pngPicture(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  const cpu = await withCpuPipeline(stack.api.model, async (pipeline) => {
    return (await generate(pipeline, request)).images[0]!.rgba;
  });
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    worst = Math.max(worst, Math.abs(cpu[i]! - browser.rgba[i]!));
  }
  assert.ok(worst <= 2, `${prompt}: WebGPU image is ${worst}/255 from the CPU pipeline's`);
  const score = scorePicture(prompt, browser);
  assert.deepEqual(
    [score.background, score.colour, score.shape],
    [true, true, true],
    `${prompt}: ${JSON.stringify(score)}`,
  );
  console.log(`${prompt}: within ${worst}/255 of the CPU pipeline, ${JSON.stringify(score)}`);
}

const OUTPUT = new URL("./output/", import.meta.url).pathname;

Deno.test({
  name: "the demo page generates from its form, shows the device and an embed snippet",
  ignore: !chromiumAvailable("the demo page test"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ models: ["toy-shapes"] });
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
      // The default model's manifest sets the steps and offers its example prompts.
      await page.waitForFunction(() => !document.getElementById("examples")!.hidden, {
        timeout: 30_000,
      });
      const prompt = await page.$eval("#prompt", (el) => (el as HTMLTextAreaElement).value);
      assert.equal(prompt, "a red circle on a blue background");
      assert.equal(await page.$eval("#steps", (el) => (el as HTMLInputElement).value), "25");
      await page.select("#scheduler", SCHEDULER);
      await page.$eval("#steps", (el, steps) => {
        (el as HTMLInputElement).value = String(steps);
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }, STEPS);
      await page.type("#seed", "42");
      await generateOnPage(page);
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
      await checkImage(page, stack, prompt, 42);
      await Deno.mkdir(OUTPUT, { recursive: true });
      const path = `${OUTPUT}demo.png`;
      await page.screenshot({ path: path as `${string}.png`, fullPage: true });
      console.log(`demo page screenshot: ${path}`);

      // An example prompt from the model's vocabulary, same seed.
      const example = await page.$eval(
        "#examples button:nth-child(2)",
        (el) => el.textContent ?? "",
      );
      await page.click("#examples button:nth-child(2)");
      assert.equal(await page.$eval("#prompt", (el) => (el as HTMLTextAreaElement).value), example);
      await generateOnPage(page);
      assert.equal(await page.$eval("#meta-device", (el) => el.textContent), "WebGPU");
      await checkImage(page, stack, example, 42);

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
