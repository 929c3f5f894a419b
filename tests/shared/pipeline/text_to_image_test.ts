import assert from "node:assert/strict";
import {
  type PipelineEvent,
  type PromptEmbeddings,
  textToImage,
  type TextToImageOptions,
  type TextToImageRequest,
} from "../../../shared/pipeline/mod.ts";
import { createGenerator } from "../../../shared/rng/mod.ts";
import { readGolden } from "../../_npy.ts";
import { maxAbsDiff, openReference, spySession } from "./_reference.ts";

// One model for the whole file; onnxruntime-node frees it when the test process exits.
const { pipeline } = await openReference(["cpu"]);
const promptEmbeds = (await readGolden("e2e.prompt_embeds.npy")).data as Float32Array;
const ROW = 77 * 32;
const embeddings: PromptEmbeddings = {
  uncond: promptEmbeds.slice(0, ROW),
  cond: promptEmbeds.slice(ROW),
  shape: [1, 77, 32],
};

function request(overrides: Partial<TextToImageRequest> = {}): TextToImageRequest {
  return {
    embeddings,
    scheduler: "pndm",
    schedulerConfig: pipeline.manifest.schedulerConfig,
    steps: 4,
    guidanceScale: 7.5,
    seed: 42,
    width: 64,
    height: 64,
    ...overrides,
  };
}

function options(overrides: Partial<TextToImageOptions> = {}): TextToImageOptions {
  return {
    unet: pipeline.unet,
    vaeDecoder: pipeline.vaeDecoder,
    scalingFactor: 0.18215,
    ...overrides,
  };
}

Deno.test(
  "textToImage() batches uncond and cond rows in one UNet run when the batch is dynamic",
  async () => {
    const { session, log } = spySession(pipeline.unet);
    await textToImage(request(), options({ unet: session }));
    // PNDM with 4 steps runs 5 timesteps (PLMS repeats the second).
    assert.deepEqual(log.batches, [2, 2, 2, 2, 2]);
    assert.ok(log.deviceFeeds.every((names) => names.join() === "encoder_hidden_states"));
  },
);

Deno.test(
  "textToImage() runs uncond and cond separately on a fixed-batch UNet with the same result",
  async () => {
    const dynamic = await textToImage(request(), options());
    const { session: unet, log } = spySession(pipeline.unet, { fixedBatch: 1 });
    const { session: vaeDecoder } = spySession(pipeline.vaeDecoder, { fixedBatch: 1 });
    const fixed = await textToImage(request({ batchSize: 2 }), options({ unet, vaeDecoder }));
    assert.deepEqual(log.batches, Array(5 * 4).fill(1));
    assert.equal(fixed.images.length, 2);
    const latentsDiff = maxAbsDiff(fixed.latents.subarray(0, 256), dynamic.latents);
    assert.ok(latentsDiff <= 1e-4, `latents differ by ${latentsDiff}`);
    assert.ok(maxAbsDiff(fixed.images[0]!.rgba, dynamic.images[0]!.rgba) <= 1);
  },
);

Deno.test("textToImage() with guidanceScale ≤ 1 skips the unconditional rows", async () => {
  const { session, log } = spySession(pipeline.unet);
  const unguided = {
    ...embeddings,
    uncond: new Float32Array(ROW).fill(NaN),
  };
  const skipped = await textToImage(
    request({ embeddings: unguided, guidanceScale: 1 }),
    options({ unet: session }),
  );
  assert.deepEqual(log.batches, [1, 1, 1, 1, 1]);
  assert.ok(skipped.latents.every(Number.isFinite));
  // Just above 1 the guided formula is ≈ cond alone: the skip must agree with it.
  const guided = await textToImage(request({ guidanceScale: 1 + 1e-7 }), options());
  assert.ok(maxAbsDiff(skipped.latents, guided.latents) <= 1e-3);
});

Deno.test(
  "textToImage() draws latents per image from one generator, like diffusers' batch",
  async () => {
    const single = await textToImage(request(), options());
    const batch = await textToImage(request({ batchSize: 2 }), options());
    assert.equal(batch.images.length, 2);
    assert.ok(maxAbsDiff(batch.latents.subarray(0, 256), single.latents) <= 1e-4);
    assert.ok(maxAbsDiff(batch.images[0]!.rgba, single.images[0]!.rgba) <= 1);
    assert.ok(maxAbsDiff(batch.images[1]!.rgba, single.images[0]!.rgba) > 10);
  },
);

Deno.test(
  "textToImage() gives identical pixels for the same seed and draws a seed when absent",
  async () => {
    const { seed: _, ...unseeded } = request();
    const first = await textToImage(unseeded, options());
    assert.match(first.seed, /^\d+$/);
    const again = await textToImage(request({ seed: first.seed }), options());
    assert.deepEqual(again.images[0]!.rgba, first.images[0]!.rgba);
    const other = await textToImage(request({ seed: BigInt(first.seed) + 1n }), options());
    assert.notDeepEqual(other.images[0]!.rgba, first.images[0]!.rgba);
  },
);

Deno.test("textToImage() emits start, every requested step in order, decode and done", async () => {
  const events: PipelineEvent[] = [];
  const result = await textToImage(request(), options({ onProgress: (e) => events.push(e) }));
  // PNDM with 4 steps calls the UNet 5 times; the user asked for 4 and sees 4.
  assert.deepEqual(events.map((e) => e.type), [
    "start",
    "step",
    "step",
    "step",
    "step",
    "decode",
    "done",
  ]);
  const start = events[0]!;
  assert.ok(start.type === "start" && start.total === 4);
  const steps = events.filter((e) => e.type === "step");
  assert.deepEqual(steps.map((e) => [e.step, e.total]), [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.deepEqual(steps.at(-1)!.latents, result.latents);
  const done = events.at(-1)!;
  assert.ok(done.type === "done" && done.seed === "42");
  assert.ok(result.timings.unetMs > 0 && result.timings.unetMs <= result.timings.totalMs);
});

Deno.test(
  "textToImage() reports the requested steps when the scheduler calls the UNet more often",
  async () => {
    const prk = { ...pipeline.manifest.schedulerConfig, skip_prk_steps: false };
    const cases: [Partial<TextToImageRequest>, number][] = [
      [{ scheduler: "heun" }, 7], // second order: 2·4 − 1 calls
      [{ scheduler: "kdpm2" }, 7],
      [{ scheduler: "PNDMScheduler", schedulerConfig: prk }, 13], // Runge–Kutta warm-up
    ];
    for (const [overrides, calls] of cases) {
      const { session, log } = spySession(pipeline.unet);
      const events: PipelineEvent[] = [];
      await textToImage(
        request(overrides),
        options({ unet: session, onProgress: (e) => events.push(e) }),
      );
      assert.equal(log.batches.length, calls, String(overrides.scheduler));
      const steps = events.flatMap((e) => e.type === "step" ? [`${e.step}/${e.total}`] : []);
      assert.deepEqual(steps, ["1/4", "2/4", "3/4", "4/4"], String(overrides.scheduler));
    }
  },
);

Deno.test(
  "textToImage() aborted from a progress handler stops before the next UNet run",
  async () => {
    const controller = new AbortController();
    const { session, log } = spySession(pipeline.unet);
    const seen: number[] = [];
    await assert.rejects(
      textToImage(
        // Euler calls the UNet once per step (PNDM adds a warm-up call before step 1).
        request({ steps: 10, scheduler: "euler" }),
        options({
          unet: session,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.type !== "step") return;
            seen.push(e.step);
            if (e.step === 3) controller.abort();
          },
        }),
      ),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(log.batches.length, 3);
  },
);

Deno.test(
  "textToImage() aborted during a UNet run finishes that step only, with the signal's reason",
  async () => {
    const controller = new AbortController();
    const reason = new Error("client went away");
    const { session, log } = spySession(pipeline.unet, {
      beforeRun: (index) => index === 4 && controller.abort(reason),
    });
    await assert.rejects(
      textToImage(request({ steps: 10 }), options({ unet: session, signal: controller.signal })),
      (error: unknown) => error === reason,
    );
    assert.equal(log.batches.length, 5);
  },
);

Deno.test("textToImage() blacks out images a safety checker flags", async () => {
  const result = await textToImage(
    request({ batchSize: 2, steps: 2 }),
    options({
      safetyChecker: { check: (images) => Promise.resolve(images.map((_, i) => i === 1)) },
    }),
  );
  assert.deepEqual(result.nsfwContentDetected, [false, true]);
  assert.ok(result.images[0]!.rgba.some((v, i) => i % 4 !== 3 && v !== 0));
  assert.ok(result.images[1]!.rgba.every((v, i) => v === (i % 4 === 3 ? 255 : 0)));
});

Deno.test("textToImage() rejects invalid requests with RangeError and TypeError", async () => {
  await assert.rejects(textToImage(request({ width: 60 }), options()), /multiple of 8/);
  await assert.rejects(textToImage(request({ steps: 0 }), options()), RangeError);
  await assert.rejects(textToImage(request({ seed: -1 }), options()), /'seed'/);
  await assert.rejects(textToImage(request({ guidanceScale: NaN }), options()), RangeError);
  await assert.rejects(
    textToImage(request({ embeddings: { ...embeddings, cond: new Float32Array(3) } }), options()),
    TypeError,
  );
});

Deno.test("textToImage() starts from given latents as diffusers' `latents` argument does", async () => {
  // The seeded draw passed in by hand gives the seeded image; other noise, another image.
  const seeded = await textToImage(request({ seed: 7 }), options());
  const noise = createGenerator(7n).randn([1, 4, 8, 8]);
  const given = await textToImage(request({ seed: 7, latents: noise }), options());
  assert.deepEqual(given.latents, seeded.latents);
  const other = await textToImage(
    request({ seed: 7, latents: createGenerator(8n).randn([1, 4, 8, 8]) }),
    options(),
  );
  assert.ok(maxAbsDiff(other.latents, seeded.latents) > 0.01);
  // Euler scales the start by its init_noise_sigma (14.6), on a copy: the caller's array is kept.
  const before = noise.slice();
  await textToImage(request({ scheduler: "euler", latents: noise }), options());
  assert.deepEqual(noise, before);
  await assert.rejects(
    textToImage(request({ latents: new Float32Array(255) }), options()),
    /'latents' as it must be a Float32Array of 256 values \(\[1, 4, 8, 8\]\): current length is 255/,
  );
});
