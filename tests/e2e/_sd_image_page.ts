/**
 * What the `<sd-image>` browser tests share: the page script that records the element's events and
 * image, waiting for its outcome, and the largest pixel difference of two PNGs. Test-only.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import type { Page } from "puppeteer-core";

/** The element's events and final PNG, as the page recorded them. */
export interface Outcome {
  events: { type: string; detail: Record<string, unknown> }[];
  png: number[] | null;
}

/** A `<script>` that records every `sd-progress`, `sd-error` and `sd-load` in `window.__outcome`. */
export const OUTCOME_SCRIPT = `<script>
  window.__outcome = { events: [], png: null };
  const keep = (type, detail) => window.__outcome.events.push({ type, detail });
  document.addEventListener("sd-progress", (e) => keep("sd-progress", e.detail));
  document.addEventListener("sd-error", (e) => keep("sd-error", { code: e.detail.code, message: e.detail.message }));
  document.addEventListener("sd-load", async (e) => {
    const { device, seed, fallbackReason } = e.detail;
    window.__outcome.png = Array.from(new Uint8Array(await e.detail.blob.arrayBuffer()));
    keep("sd-load", { device, seed, fallbackReason: fallbackReason ?? null });
  });
</script>`;

/** Waits (up to 5 minutes) for the element's image or error and returns what the page recorded. */
export async function outcome(page: Page): Promise<Outcome> {
  await page.waitForFunction(
    () => {
      const o = (globalThis as unknown as { __outcome?: Outcome }).__outcome;
      return o?.events.some((e) => e.type === "sd-error" || e.type === "sd-load");
    },
    { timeout: 300_000, polling: 100 },
  );
  return await page.evaluate(() => (globalThis as unknown as { __outcome: Outcome }).__outcome);
}

/** The largest per-channel difference of two PNGs of the same size. */
export function maxDifference(a: Uint8Array, b: Uint8Array): number {
  const x = decode(a);
  const y = decode(b);
  assert.equal(`${x.width}x${x.height}x${x.channels}`, `${y.width}x${y.height}x${y.channels}`);
  let max = 0;
  for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs(x.data[i]! - y.data[i]!));
  return max;
}
