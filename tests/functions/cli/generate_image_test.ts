import assert from "node:assert/strict";
import { decode } from "fast-png";
import { main } from "../../../functions/cli/generate.ts";
import { captureIo } from "./_io.ts";
import { encodePng, readPngParameters } from "../../../shared/image/mod.ts";
import { badImages } from "../../_bad_images.ts";
import { fixturePath } from "../../_fixtures.ts";
import {
  assertImageMatches,
  caseSeed,
  type ImageCase,
  loadCases,
} from "../../shared/pipeline/_image_cases.ts";
import { writeImageModel } from "../_image_model.ts";

const parent = await Deno.makeTempDir({ prefix: "sd-cli-image-" });
const models = {
  reference4: await writeImageModel({ parent }),
  inpaint9: await writeImageModel({ parent, unet: "inpaint9" }),
};
globalThis.addEventListener("unload", () => Deno.removeSync(parent, { recursive: true }));
const cases = [...await loadCases("img2img"), ...await loadCases("inpaint")];

function caseArgs(c: ImageCase): string[] {
  const args = [
    c.call.prompt,
    "--negative",
    c.call.negative_prompt,
    "--init-image",
    fixturePath(`${c.set}/golden/${c.init_image}.png`),
    "--strength",
    String(c.call.strength),
    "--scheduler",
    c.scheduler.class,
    "--steps",
    String(c.call.num_inference_steps),
    "--guidance",
    String(c.call.guidance_scale),
    "--seed",
    String(caseSeed(c)),
    "--model",
    models[c.unet ?? "reference4"],
    "--device",
    "cpu",
    "--out",
    "out.png",
    "--quiet",
  ];
  if (c.mask) args.push("--mask", fixturePath(`${c.set}/golden/${c.mask}.png`));
  return args;
}

for (const c of cases) {
  Deno.test(`generate --init-image${c.mask ? " --mask" : ""} reproduces the ${c.set} golden ${c.name}`, async () => {
    const io = captureIo();
    assert.equal(await main(caseArgs(c), io), 0, io.err);
    const png = io.files.get("out.png")!;
    const decoded = decode(png);
    assert.deepEqual([decoded.width, decoded.height], [64, 64]);
    await assertImageMatches(c, decoded.data, decoded.channels as 3 | 4);
    assert.match(
      readPngParameters(png) ?? "",
      new RegExp(`Denoising strength: ${c.call.strength}`),
    );
    assert.match(
      io.out,
      new RegExp(`${c.mask ? "inpaint" : "img2img"} strength ${c.call.strength}`),
    );
  });
}

Deno.test("generate refuses a bad init image, mask or strength in one line, exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sd-cli-bad-" });
  try {
    const good = fixturePath("img2img/golden/init_image_64x64_v0.png");
    const runs: { args: string[]; message: RegExp }[] = [];
    for (const bad of badImages()) {
      const path = `${dir}/${bad.name.replaceAll(" ", "_")}.bin`;
      await Deno.writeFile(path, bad.bytes);
      runs.push({ args: ["--init-image", path], message: /'--init-image'/ });
      runs.push({ args: ["--init-image", good, "--mask", path], message: /'--mask'/ });
    }
    runs.push(
      {
        args: ["--init-image", good, "--mask", `${dir}/missing.png`],
        message: /--mask '.*missing.png' does not exist/,
      },
      {
        args: ["--init-image", good, "--strength", "0"],
        message: /--strength must be a number in \(0, 1\]/,
      },
      { args: ["--init-image", good, "--strength", "1.5"], message: /--strength/ },
      { args: ["--strength", "0.5"], message: /--strength needs --init-image/ },
      { args: ["--init-image", good, "--resize-mode", "squash"], message: /--resize-mode/ },
    );
    for (const run of runs) {
      const io = captureIo();
      const code = await main(["a cat", "--model", models.reference4, "--quiet", ...run.args], io);
      assert.equal(code, 2, `${run.args.join(" ")}: ${io.err}`);
      assert.match(io.err, /^error: [^\n]+\n$/);
      assert.match(io.err, run.message);
      assert.equal(io.files.size, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate refuses a mask whose size differs from the init image's, exit 2", async () => {
  const io = captureIo();
  const small = `${parent}/small.png`;
  await Deno.writeFile(
    small,
    encodePng(new Uint8ClampedArray(32 * 32 * 4).fill(255), { width: 32, height: 32 }),
  );
  const code = await main([
    "a cat",
    "--model",
    models.reference4,
    "--init-image",
    fixturePath("img2img/golden/init_image_64x64_v0.png"),
    "--mask",
    small,
  ], io);
  assert.equal(code, 2);
  assert.match(
    io.err,
    /'--mask' must have the size of '--init-image' \(64x64\): current size is 32x32/,
  );
});
