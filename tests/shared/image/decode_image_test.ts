import assert from "node:assert/strict";
import { decodeImage, ImageDecodeError } from "../../../shared/image/decode_image.ts";
import { badImages, gradientRgba, validImages } from "../../_bad_images.ts";
import { fixturePng, initImage, loadCases, maskImage } from "../pipeline/_image_cases.ts";

Deno.test("decodeImage() reads the fixtures' init image and mask PNGs exactly", async () => {
  const [c] = await loadCases("inpaint");
  const image = decodeImage(await fixturePng(c!, "image"));
  const expected = await initImage(c!);
  assert.equal(image.width, 64);
  const rgb = image.channels === 3
    ? image.data
    : image.data.filter((_, i) => i % image.channels !== 3);
  assert.deepEqual([...rgb], [...expected.data]);
  const mask = decodeImage(await fixturePng(c!, "mask"), { field: "mask" });
  assert.equal(mask.channels, 1);
  assert.deepEqual([...mask.data], [...(await maskImage(c!)).data]);
});

Deno.test("decodeImage() reads a JPEG within its lossy error of the source pixels", () => {
  const { jpeg } = validImages();
  const image = decodeImage(jpeg);
  assert.deepEqual([image.width, image.height, image.channels], [64, 64, 3]);
  const rgba = gradientRgba(64);
  let worst = 0;
  for (let p = 0; p < 64 * 64; p++) {
    for (let c = 0; c < 3; c++) {
      worst = Math.max(worst, Math.abs(image.data[p * 3 + c]! - rgba[p * 4 + c]!));
    }
  }
  assert.ok(worst <= 12, `JPEG differs by ${worst}`);
});

for (const bad of badImages()) {
  Deno.test(`decodeImage() refuses ${bad.name} with ImageDecodeError ${bad.code}`, () => {
    const started = performance.now();
    assert.throws(
      () => decodeImage(bad.bytes, { field: "init_images[0]" }),
      (error: unknown) =>
        error instanceof ImageDecodeError && error.code === bad.code &&
        error.field === "init_images[0]" && error.message.includes("'init_images[0]'"),
    );
    // A bomb is refused from its header: no 1.2 GB buffer, no seconds of inflating.
    assert.ok(performance.now() - started < 1000);
  });
}
