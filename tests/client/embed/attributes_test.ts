import assert from "node:assert/strict";
import { paramsFromAttributes, SD_IMAGE_ATTRIBUTES } from "../../../client/embed/attributes.ts";

function paramsOf(attributes: Record<string, string>) {
  return paramsFromAttributes((name) => attributes[name] ?? null, "https://shop.test/products/");
}

Deno.test("paramsFromAttributes() maps every <sd-image> attribute to the SDK's parameters", () => {
  assert.deepEqual(
    paramsOf({
      prompt: "a red apple",
      "negative-prompt": "blurry",
      seed: "18446744073709551615",
      steps: "20",
      width: "512",
      height: "384",
      model: "sd15",
      scheduler: "euler_a",
      "guidance-scale": "6.5",
      "init-image": "photo.png",
      strength: "0.6",
      mask: "/masks/apple.png",
      "mask-blur": "4",
      "invert-mask": "",
    }),
    {
      prompt: "a red apple",
      negativePrompt: "blurry",
      seed: "18446744073709551615",
      steps: 20,
      width: 512,
      height: 384,
      model: "sd15",
      scheduler: "euler_a",
      guidanceScale: 6.5,
      image: "https://shop.test/products/photo.png",
      strength: 0.6,
      mask: "https://shop.test/masks/apple.png",
      maskBlur: 4,
      invertMask: true,
    },
  );
  // Every mapped attribute is observed, so changing it starts a new generation.
  for (const name of ["mask", "mask-blur", "invert-mask", "init-image", "strength", "seed"]) {
    assert.ok(SD_IMAGE_ATTRIBUTES.includes(name), name);
  }
});

Deno.test("paramsFromAttributes() leaves empty attributes out and reads invert-mask as a boolean attribute", () => {
  assert.deepEqual(paramsOf({ prompt: "a cat", steps: " ", seed: "", mask: "" }), {
    prompt: "a cat",
  });
  assert.equal(paramsOf({ prompt: "x", "invert-mask": "false" }).invertMask, undefined);
  assert.equal(paramsOf({ prompt: "x", "invert-mask": "invert-mask" }).invertMask, true);
  // Not-a-number text reaches the SDK as NaN, which it refuses naming the field.
  assert.ok(Number.isNaN(paramsOf({ prompt: "x", steps: "many" }).steps));
});
