import assert from "node:assert/strict";
import { imageToTensor, maskToTensor } from "../../../shared/image/mod.ts";
import { goldenArray, initImage, loadCases, maskImage } from "../pipeline/_image_cases.ts";

const [inpaintCase] = await loadCases("inpaint");

Deno.test("imageToTensor() equals diffusers' preprocessed init_image_tensor bit for bit", async () => {
  const c = (await loadCases("img2img"))[0]!;
  assert.deepEqual(imageToTensor(await initImage(c)), await goldenArray(c, "init_image_tensor"));
});

Deno.test("maskToTensor() equals diffusers' binarised mask_condition, and masking the image its masked_image_tensor", async () => {
  const c = inpaintCase!;
  const mask = maskToTensor(await maskImage(c));
  assert.deepEqual(mask, await goldenArray(c, "mask_condition"));
  const image = imageToTensor(await initImage(c));
  const masked = image.map((x, i) => (mask[i % mask.length]! < 0.5 ? x : 0));
  assert.deepEqual(
    masked.map(Math.abs),
    (await goldenArray(c, "masked_image_tensor")).map(Math.abs),
  );
});

Deno.test("maskToTensor() reads colour masks through PIL's luma and binarises at 128", () => {
  const rgb = new Uint8Array([255, 255, 255, 0, 0, 0, 128, 128, 128, 127, 127, 127, 0, 255, 0]);
  assert.deepEqual(
    [...maskToTensor({ data: rgb, width: 5, height: 1, channels: 3 })],
    [1, 0, 1, 0, 1],
  );
});
