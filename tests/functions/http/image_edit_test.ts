import assert from "node:assert/strict";
import { decode } from "fast-png";
import OpenAI, { toFile } from "openai";
import { encodePng } from "../../../shared/image/mod.ts";
import { toBase64 } from "../../../functions/routes/_generation.ts";
import { badImages } from "../../_bad_images.ts";
import { jsonPost } from "../_harness.ts";
import { startImageServer } from "../_image_model.ts";
import {
  assertImageMatches,
  CASE_SCHEDULER_ALIASES,
  caseSeed,
  fixturePng,
  type ImageCase,
  loadCases,
  transparentMask,
} from "../../shared/pipeline/_image_cases.ts";

const SAMPLERS: Record<string, string> = {
  PNDMScheduler: "PLMS",
  DDIMScheduler: "DDIM",
  EulerAncestralDiscreteScheduler: "Euler a",
};

const cases = [...await loadCases("img2img"), ...await loadCases("inpaint")];
/** A copy on a plain ArrayBuffer, as `Blob` wants it. */
const blobPart = (bytes: Uint8Array) => new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function img2imgBody(
  c: ImageCase,
  ids: Record<string, string>,
  image: Uint8Array,
  mask?: Uint8Array,
) {
  return {
    prompt: c.call.prompt,
    negative_prompt: c.call.negative_prompt,
    init_images: [toBase64(image)],
    denoising_strength: c.call.strength,
    steps: c.call.num_inference_steps,
    cfg_scale: c.call.guidance_scale,
    seed: caseSeed(c),
    sampler_name: SAMPLERS[c.scheduler.class],
    override_settings: { sd_model_checkpoint: ids[c.unet ?? "reference4"] },
    ...(mask ? { mask: `data:image/png;base64,${toBase64(mask)}`, mask_blur: 0 } : {}),
  };
}

Deno.test("image to image and inpainting over HTTP reproduce the diffusers goldens; bad images are 4xx", async (t) => {
  const { key, ids, server, close } = await startImageServer();
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, jsonPost(body, key));

    for (const c of cases) {
      await t.step(`POST /sdapi/v1/img2img reproduces ${c.set} ${c.name}`, async () => {
        const mask = c.mask ? await fixturePng(c, "mask") : undefined;
        const res = await post(
          "/sdapi/v1/img2img",
          img2imgBody(c, ids, await fixturePng(c, "image"), mask),
        );
        const json = await res.json();
        assert.equal(res.status, 200, JSON.stringify(json));
        const png = decode(fromBase64(json.images[0]));
        await assertImageMatches(c, png.data, png.channels as 3 | 4);
        const info = JSON.parse(json.info);
        assert.equal(info.denoising_strength, c.call.strength);
        assert.equal(info.resize_mode, 0);
        assert.equal(info.seed, caseSeed(c));
        if (c.mask) assert.equal(info.mask_blur, 0);
      });
    }

    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    for (
      const c of cases.filter((c) => c.name === "ddim_s075" || c.name === "unet4_legacy_ddim_s100")
    ) {
      await t.step(`the openai client's images.edit reproduces ${c.set} ${c.name}`, async () => {
        const image = await toFile(await fixturePng(c, "image"), "image.png", {
          type: "image/png",
        });
        const mask = c.mask
          ? await toFile(await transparentMask(c), "mask.png", { type: "image/png" })
          : undefined;
        const response = await client.images.edit({
          image,
          ...(mask ? { mask } : {}),
          prompt: c.call.prompt,
          n: 1,
          size: "64x64" as "256x256",
          response_format: "b64_json",
          model: ids.reference4,
          // extensions of this API:
          ...{
            negative_prompt: c.call.negative_prompt,
            steps: c.call.num_inference_steps,
            guidance_scale: c.call.guidance_scale,
            seed: String(caseSeed(c)),
            scheduler: CASE_SCHEDULER_ALIASES[c.scheduler.class],
            strength: c.call.strength,
          },
        });
        const png = decode(fromBase64(response.data![0]!.b64_json!));
        await assertImageMatches(c, png.data, png.channels as 3 | 4);
      });
    }

    const good = await fixturePng(cases[0]!, "image");
    const small = encodePng(new Uint8ClampedArray(32 * 32 * 4).fill(255), {
      width: 32,
      height: 32,
    });
    await t.step("bad images and strengths answer 4xx JSON naming the field", async () => {
      const rows: { name: string; path: string; body: unknown; form?: FormData; param: string }[] =
        [];
      for (const bad of badImages()) {
        rows.push({
          name: `img2img ${bad.name}`,
          path: "/sdapi/v1/img2img",
          body: { prompt: "x", init_images: [toBase64(bad.bytes) || "="] },
          param: "init_images[0]",
        });
        const form = new FormData();
        form.set("prompt", "x");
        form.set("image", new Blob([blobPart(good)], { type: "image/png" }), "image.png");
        form.set("mask", new Blob([blobPart(bad.bytes)]), "mask.png");
        rows.push({
          name: `edits mask ${bad.name}`,
          path: "/v1/images/edits",
          body: null,
          form,
          param: "mask",
        });
      }
      const sizeForm = new FormData();
      sizeForm.set("prompt", "x");
      sizeForm.set("image", new Blob([blobPart(good)]), "image.png");
      sizeForm.set("mask", new Blob([blobPart(small)]), "mask.png");
      rows.push(
        {
          name: "edits mask of another size",
          path: "/v1/images/edits",
          body: null,
          form: sizeForm,
          param: "mask",
        },
        {
          name: "img2img mask of another size",
          path: "/sdapi/v1/img2img",
          body: { prompt: "x", init_images: [toBase64(good)], mask: toBase64(small) },
          param: "mask",
        },
        {
          name: "img2img not base64",
          path: "/sdapi/v1/img2img",
          body: { prompt: "x", init_images: ["%%%not base64%%%"] },
          param: "init_images[0]",
        },
        {
          name: "img2img no images",
          path: "/sdapi/v1/img2img",
          body: { prompt: "x", init_images: [] },
          param: "init_images",
        },
      );
      rows.push(
        {
          name: "job strength that leaves no step",
          path: "/v1/jobs",
          body: { prompt: "x", image: toBase64(good), strength: 0.1, steps: 4 },
          param: "strength",
        },
        {
          name: "job invert_mask not a boolean",
          path: "/v1/jobs",
          body: { prompt: "x", image: toBase64(good), mask: toBase64(good), invert_mask: "yes" },
          param: "invert_mask",
        },
        {
          name: "job mask_blur out of range",
          path: "/v1/jobs",
          body: { prompt: "x", image: toBase64(good), mask: toBase64(good), mask_blur: 100 },
          param: "mask_blur",
        },
      );
      for (const strength of [0, -0.5, 1.5]) {
        rows.push({
          name: `img2img strength ${strength}`,
          path: "/sdapi/v1/img2img",
          body: { prompt: "x", init_images: [toBase64(good)], denoising_strength: strength },
          param: "denoising_strength",
        });
        const form = new FormData();
        form.set("prompt", "x");
        form.set("strength", String(strength));
        form.set("image", new Blob([blobPart(good)]), "image.png");
        rows.push({
          name: `edits strength ${strength}`,
          path: "/v1/images/edits",
          body: null,
          form,
          param: "strength",
        });
      }
      for (const row of rows) {
        const res = row.form
          ? await fetch(`${server.url}${row.path}`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}` },
            body: row.form,
          })
          : await post(row.path, row.body);
        const json = await res.json();
        assert.ok(res.status >= 400 && res.status < 500, `${row.name}: ${res.status}`);
        assert.equal(json.error?.param, row.param, `${row.name}: ${JSON.stringify(json)}`);
        assert.equal(typeof json.error.message, "string");
      }
      const bomb = badImages().find((b) => b.name.includes("20000"))!;
      const res = await post("/sdapi/v1/img2img", {
        prompt: "x",
        init_images: [toBase64(bomb.bytes)],
      });
      assert.equal(res.status, 413);
      assert.equal((await res.json()).error.code, "image_too_large");
    });

    await t.step("the server stays healthy and still edits after the bad images", async () => {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const res = await post("/sdapi/v1/img2img", {
        prompt: "x",
        init_images: [toBase64(good)],
        steps: 2,
        override_settings: { sd_model_checkpoint: ids.reference4 },
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await res.json()).images.length, 1);
    });
  } finally {
    await close();
  }
});
