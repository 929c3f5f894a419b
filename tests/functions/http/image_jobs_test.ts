import assert from "node:assert/strict";
import { decode } from "fast-png";
import { Redis } from "ioredis";
import { createRedisQueue } from "../../../functions/worker/mod.ts";
import { toBase64 } from "../../../functions/routes/_generation.ts";
import { jsonPost } from "../_harness.ts";
import { startImageServer } from "../_image_model.ts";
import { startTestRedis } from "../worker/_redis_server.ts";
import {
  assertImageMatches,
  CASE_SCHEDULER_ALIASES,
  caseSeed,
  fixturePng,
  loadCases,
  transparentMask,
} from "../../shared/pipeline/_image_cases.ts";

Deno.test("image jobs through /v1/jobs on the Redis queue reproduce the goldens, images by reference", async () => {
  const redis = await startTestRedis();
  if (redis === null) return;
  const queue = createRedisQueue({ url: redis.url, capacity: 16, pollMs: 200 });
  const { key, ids, server, close } = await startImageServer({ queue });
  const inspect = new Redis(redis.url);
  try {
    const all = [...await loadCases("img2img"), ...await loadCases("inpaint")];
    const picked = all.filter((c) =>
      ["euler_a_s075", "unet9_pndm_s100", "unet4_legacy_ddim_s100"].includes(c.name)
    );
    for (const c of picked) {
      const model = ids[c.unet ?? "reference4"];
      const res = await fetch(
        `${server.url}/v1/jobs`,
        jsonPost({
          model,
          prompt: c.call.prompt,
          negative_prompt: c.call.negative_prompt,
          image: toBase64(await fixturePng(c, "image")),
          ...(c.mask ? { mask: toBase64(await transparentMask(c)) } : {}),
          strength: c.call.strength,
          steps: c.call.num_inference_steps,
          guidance_scale: c.call.guidance_scale,
          seed: caseSeed(c),
          scheduler: CASE_SCHEDULER_ALIASES[c.scheduler.class],
        }, key),
      );
      const submitted = await res.json();
      assert.equal(res.status, 202, JSON.stringify(submitted));
      assert.equal(submitted.request.image, "64x64");
      assert.equal(submitted.request.strength, c.call.strength);

      // The stream entry is the job id alone; the pixels are binary fields of the job hash.
      const entries = await inspect.xrange(`sd:stream:${model}`, "-", "+");
      const entry = entries.find(([, fields]) => fields[1] === submitted.id);
      assert.deepEqual(entry?.[1], ["id", submitted.id]);
      const request = await inspect.hget(`sd:job:${submitted.id}`, "request");
      assert.ok(request!.length < 2000, `request JSON is ${request!.length} bytes`);
      assert.match(request!, /"\$pixels":"input:initImage"/);
      const pixels = await inspect.hgetBuffer(`sd:job:${submitted.id}`, "input:initImage");
      assert.equal(pixels?.length, 64 * 64 * 3);

      const job = await queue.wait(submitted.id);
      assert.equal(job.status, "succeeded", JSON.stringify(job.error));
      const png = decode(job.images![0]!);
      await assertImageMatches(c, png.data, png.channels as 3 | 4);
      const view = await (await fetch(`${server.url}/v1/jobs/${job.id}`, {
        headers: { Authorization: `Bearer ${key}` },
      })).json();
      assert.equal(view.status, "succeeded");
      assert.equal(view.request.mask, c.mask !== undefined);
    }
  } finally {
    inspect.disconnect();
    await close();
    await redis.stop();
  }
});
