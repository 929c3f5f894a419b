/**
 * The inpainting options `maskBlur` and `invertMask` on the SDK's local path (a Web Worker on
 * onnxruntime-web wasm) and on the server's `POST /v1/jobs` (`mask_blur` / `invert_mask`, what the
 * SDK's server fallback sends; that fallback encodes PNGs with the browser's canvas, so it runs in
 * the Chromium e2e tests, not here). Both give the same pixels and PNG text, and the options change
 * the picture.
 */
import assert from "node:assert/strict";
import { decode, encode } from "fast-png";
import type { GenerateParams } from "../../../client/sdk/mod.ts";
import { readPngParameters } from "../../../shared/image/mod.ts";
import type { PixelImage } from "../../../shared/image/mod.ts";
import { startApi, wasmClient } from "../_api.ts";

const SIZE = 64;

/** A diagonal colour ramp, so every part of the image differs. */
function initImage(): PixelImage {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      data.set([x * 4, y * 4, (x + y) * 2], (y * SIZE + x) * 3);
    }
  }
  return { data, width: SIZE, height: SIZE, channels: 3 };
}

/** White (repaint) in the left half, black (keep) in the right. */
function halfMask(): PixelImage {
  const data = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) data.fill(255, y * SIZE, y * SIZE + SIZE / 2);
  return { data, width: SIZE, height: SIZE, channels: 1 };
}

const BASE: GenerateParams = {
  prompt: "a red circle",
  seed: 7,
  steps: 4,
  scheduler: "euler",
  image: initImage(),
  mask: halfMask(),
};

/** The request as `POST /v1/jobs` takes it: the mask repaints where fully transparent. */
function jobBody(extra: Record<string, unknown>) {
  const mask = halfMask();
  const alpha = new Uint8Array(SIZE * SIZE * 4);
  for (let p = 0; p < SIZE * SIZE; p++) alpha[p * 4 + 3] = mask.data[p]! >= 128 ? 0 : 255;
  const png = (data: Uint8Array, channels: number) =>
    btoa(String.fromCharCode(...encode({ width: SIZE, height: SIZE, data, channels })));
  return {
    prompt: BASE.prompt,
    seed: String(BASE.seed),
    steps: BASE.steps,
    scheduler: BASE.scheduler,
    size: `${SIZE}x${SIZE}`,
    image: png(new Uint8Array(initImage().data), 3),
    mask: png(alpha, 4),
    ...extra,
  };
}

async function pixelsOf(blob: Blob): Promise<{ data: ArrayLike<number>; text: string | null }> {
  const png = new Uint8Array(await blob.arrayBuffer());
  return { data: decode(png).data, text: readPngParameters(png) };
}

Deno.test({
  name: "maskBlur and invertMask: the SDK's device path paints what POST /v1/jobs paints",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const api = await startApi();
    const local = wasmClient(api);
    try {
      const submit = async (extra: Record<string, unknown>) => {
        const response = await fetch(`${api.url}/v1/jobs`, {
          method: "POST",
          headers: { Authorization: `Bearer ${api.secretKey}`, "Content-Type": "application/json" },
          body: JSON.stringify(jobBody(extra)),
        });
        const created = await response.json();
        assert.equal(response.status, 202, JSON.stringify(created));
        const job = await api.queue.wait(created.id);
        assert.equal(job.status, "succeeded", JSON.stringify(job.error));
        return {
          view: created,
          image: await pixelsOf(new Blob([new Uint8Array(job.images![0]!)])),
        };
      };
      const onServer = await submit({ mask_blur: 3, invert_mask: true });
      assert.equal(onServer.view.request.mask_blur, 3);
      assert.equal(onServer.view.request.invert_mask, true);
      const fromServer = onServer.image;
      assert.match(fromServer.text ?? "", /Mask blur: 3, Mask mode: Inpaint not masked/);

      const onDevice = await local.generate({ ...BASE, maskBlur: 3, invertMask: true });
      assert.equal(onDevice.device, "wasm", onDevice.fallbackReason ?? "");
      assert.equal(onDevice.parameters.maskBlur, 3);
      assert.equal(onDevice.parameters.invertMask, true);
      const fromDevice = await pixelsOf(onDevice.blob);
      assert.equal(fromDevice.text, fromServer.text);
      let worst = 0;
      for (let i = 0; i < fromServer.data.length; i++) {
        worst = Math.max(worst, Math.abs(fromServer.data[i]! - fromDevice.data[i]!));
      }
      assert.ok(worst <= 2, `local vs server: ${worst}/255`);

      // Without the options the picture differs: the other half is repainted.
      const plain = (await submit({})).image;
      assert.doesNotMatch(plain.text ?? "", /Inpaint not masked/);
      let sum = 0;
      for (let i = 0; i < plain.data.length; i++) {
        sum += Math.abs(plain.data[i]! - fromServer.data[i]!);
      }
      assert.ok(sum / plain.data.length > 1, "the options change the picture");
      // Options that need a mask are refused without one, naming the field.
      const refused = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { Authorization: `Bearer ${api.secretKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ ...jobBody({ invert_mask: true }), mask: undefined }),
      });
      assert.equal(refused.status, 400);
      assert.equal((await refused.json()).error.param, "invert_mask");
    } finally {
      local.close();
      await api.close();
    }
  },
});
