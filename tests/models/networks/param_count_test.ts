import assert from "node:assert/strict";
import { buildUnet, buildVaeDecoder, buildVaeEncoder } from "../../../models/networks/mod.ts";
import { referenceConfig, SHAPE_ONLY } from "./_reference.ts";

const SD15 = new URL("../../../models/configs/sd15/", import.meta.url);

async function sd15Config(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(file, SD15)));
}

// Oracle: parameter counts of runwayml/stable-diffusion-v1-5 loaded in diffusers.
Deno.test("buildUnet() with the SD 1.5 config has 859,520,964 parameters", async () => {
  assert.equal(buildUnet(await sd15Config("unet.json"), SHAPE_ONLY).paramCount(), 859_520_964);
});

Deno.test("the SD 1.5 VAE graphs hold AutoencoderKL's 83,653,863 parameters", async () => {
  const config = await sd15Config("vae.json");
  const decoder = buildVaeDecoder(config, SHAPE_ONLY).paramCount();
  const encoder = buildVaeEncoder(config, SHAPE_ONLY).paramCount();
  assert.equal(decoder, 49_490_179 + 20); // Decoder + post_quant_conv
  assert.equal(encoder, 34_163_592 + 72); // Encoder + quant_conv
  assert.equal(decoder + encoder, 83_653_863);
});

// Oracle: the counts the fixture README gives for the tiny reference model.
Deno.test("the tiny reference configs give the fixture's parameter counts", async () => {
  const unet = await referenceConfig("unet");
  const vae = await referenceConfig("vae");
  assert.equal(buildUnet(unet, SHAPE_ONLY).paramCount(), 1_427_012);
  assert.equal(buildVaeDecoder(vae, SHAPE_ONLY).paramCount(), 633_719);
  assert.equal(buildVaeEncoder(vae, SHAPE_ONLY).paramCount(), 395_216);
});
