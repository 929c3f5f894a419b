/**
 * The tokenizer's pad token comes from the model's own files: a copy of the public tiny model
 * whose tokenizer files say `pad_token: "!"` (as SD 2.x exports do) pads with id 0 on every path,
 * checked against the CLIP golden ids re-padded with 0.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { createCachedEncoder } from "../../../functions/services/encoder/cached_encoder.ts";
import { createPipelineEncoder } from "../../../functions/services/encoder/pipeline_encoder.ts";
import { createLocalCatalog } from "../../../functions/services/models/local_catalog.ts";
import { createInProcessQueue, startRenderPool } from "../../../functions/worker/mod.ts";
import { buildManifest, loadModel } from "../../../models/mod.ts";
import { readTokenizerSettings } from "../../../models/registry/tokenizer_settings.ts";
import { createBackend, type ModelSession } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import {
  generate,
  loadPipeline,
  type PromptEmbeddings,
  textToImage,
} from "../../../shared/pipeline/mod.ts";
import { fixturePath, readFixtureJson } from "../../_fixtures.ts";
import { jsonPost, serveApp, testConfig, testDeps } from "../../functions/_harness.ts";
import { BANG_TOKENIZER, copyReference, padBangModel, repad } from "./_pad_bang_model.ts";

interface GoldenCase {
  text: string;
  input_ids_77: number[];
  truncated: boolean;
}

async function goldenCases(): Promise<GoldenCase[]> {
  return (await readFixtureJson<{ cases: GoldenCase[] }>("clip/tokenizer_golden.json")).cases;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The text encoder run directly on the given ids: the expected embeddings. */
async function embed(session: ModelSession, ids: Int32Array): Promise<Float32Array> {
  const name = session.inputs[0]!.name;
  const out = await session.run({ [name]: { data: ids, dims: [1, ids.length] } });
  return out.last_hidden_state!.data as Float32Array;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pad_token_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function textEncoderSession(root: string) {
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  const session = await backend.createSession(
    await Deno.readFile(`${root}/text_encoder/model.onnx`),
  );
  return {
    session,
    async dispose() {
      await session.release();
      await backend.dispose();
    },
  };
}

Deno.test("readTokenizerSettings() reads pad/bos/eos and model_max_length as transformers does", async () => {
  const reference = await readTokenizerSettings(fixturePath("models/tiny-sd-reference"));
  assert.deepEqual(reference, {
    bosTokenId: 49406,
    eosTokenId: 49407,
    padTokenId: 49407,
    maxLength: 77,
  });
  await withTempDir(async (dir) => {
    await copyReference(`${dir}/bang`, BANG_TOKENIZER);
    assert.deepEqual(await readTokenizerSettings(`${dir}/bang`), {
      bosTokenId: 49406,
      eosTokenId: 49407,
      padTokenId: 0,
      maxLength: 77,
    });
    // special_tokens_map.json wins over tokenizer_config.json (stabilityai/stable-diffusion-2-1).
    await copyReference(`${dir}/map`, {
      config: { pad_token: "<|endoftext|>", model_max_length: 77 },
      map: { pad_token: "!" },
    });
    assert.equal((await readTokenizerSettings(`${dir}/map`)).padTokenId, 0);
    // No pad token anywhere: the end token, as before; a huge model_max_length is not a length.
    await copyReference(`${dir}/none`, { config: { model_max_length: 1e30 }, map: null });
    assert.deepEqual(await readTokenizerSettings(`${dir}/none`), {
      bosTokenId: 49406,
      eosTokenId: 49407,
      padTokenId: 49407,
    });
    await copyReference(`${dir}/bad`, { config: { pad_token: "<pad>" }, map: null });
    await assert.rejects(
      readTokenizerSettings(`${dir}/bad`),
      /pad_token "<pad>" is not in 'tokenizer\/vocab.json'/,
    );
  });
});

Deno.test("a '!'-padded model's manifest records pad id 0 and its tokenizer matches all 40 CLIP golden cases re-padded with 0", async () => {
  await withTempDir(async (dir) => {
    const { root, manifest } = await padBangModel(dir);
    assert.equal(manifest.tokenizer.padTokenId, 0);
    assert.equal(manifest.tokenizer.maxLength, 77);
    const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
    const pipeline = await loadPipeline(manifest, {
      backend,
      readFile: (path) => Deno.readFile(`${root}/${path}`),
    });
    try {
      const cases = await goldenCases();
      assert.equal(cases.length, 40);
      for (const c of cases) {
        assert.deepEqual(pipeline.tokenizer.inputIds(c.text), repad(c.input_ids_77, 0), c.text);
      }
      assert.ok(cases.some((c) => c.truncated), "a truncated case has no padding at all");
    } finally {
      await pipeline.dispose();
      await backend.dispose();
    }
  });
});

Deno.test("generate() on a '!'-padded model feeds the text encoder the golden ids padded with 0", async () => {
  await withTempDir(async (dir) => {
    const { root } = await padBangModel(dir);
    const model = await loadModel(root);
    const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
    const pipeline = await loadPipeline(model.manifest, { backend, readFile: model.readFile });
    const fed: Int32Array[] = [];
    const realRun = pipeline.textEncoder.run.bind(pipeline.textEncoder);
    pipeline.textEncoder.run = (feeds, options) => {
      const data = Object.values(feeds)[0] as { data: Int32Array };
      for (let i = 0; i < data.data.length; i += 77) fed.push(data.data.slice(i, i + 77));
      return realRun(feeds, options);
    };
    try {
      const [prompt, empty] = (await goldenCases()).filter((c) =>
        c.text === "a photo of a cat" || c.text === ""
      );
      assert.ok(prompt && empty, "golden cases for the prompt and the empty negative prompt");
      const result = await generate(pipeline, { prompt: prompt.text, steps: 1, seed: 1 });
      assert.equal(result.images.length, 1);
      assert.deepEqual(fed, [repad(empty.input_ids_77, 0), repad(prompt.input_ids_77, 0)]);
    } finally {
      await pipeline.dispose();
      await backend.dispose();
    }
  });
});

Deno.test("POST /v1/encode on a '!'-padded model gives the embeddings of the 0-padded ids, cached per tokenizer", async () => {
  await withTempDir(async (dir) => {
    const bang = await padBangModel(dir, "tiny-bang");
    // The same id, once with the public tokenizer files (padding with <|endoftext|>).
    const plainRoot = `${dir}/plain`;
    await copyReference(plainRoot, {
      config: { pad_token: "<|endoftext|>", model_max_length: 77 },
      map: { pad_token: "<|endoftext|>" },
    });
    const plainManifest = await buildManifest(plainRoot, { id: "tiny-bang" });
    assert.equal(plainManifest.tokenizer.padTokenId, 49407);
    const direct = await textEncoderSession(bang.root);
    const cases = await goldenCases();
    const prompt = cases.find((c) => c.text === "a photo of a cat")!;
    const empty = cases.find((c) => c.text === "")!;
    const expected = await embed(direct.session, repad(prompt.input_ids_77, 0));
    const expectedUncond = await embed(direct.session, repad(empty.input_ids_77, 0));
    const eosPadded = await embed(direct.session, Int32Array.from(prompt.input_ids_77));
    assert.ok(maxAbsDiff(expected, eosPadded) > 1e-2, "the pad id changes the embeddings");

    const shared = new Map<string, Uint8Array>();
    const sharedCache = {
      get: (key: string) => Promise.resolve(shared.get(key) ?? null),
      set: (key: string, value: Uint8Array) => {
        shared.set(key, value);
        return Promise.resolve();
      },
    };
    const serve = async (manifest: typeof bang.manifest, root: string) => {
      const source = {
        manifest,
        root,
        readFile: (path: string) => Deno.readFile(`${root}/${path}`),
      };
      const encoder = createPipelineEncoder({
        backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
        load: () => Promise.resolve(source),
      });
      const deps = await testDeps({
        config: testConfig({ SD_MODELS: "tiny-bang" }),
        queue: createInProcessQueue({ capacity: 4 }),
        encoder,
        catalog: createLocalCatalog(["tiny-bang"], { load: () => Promise.resolve(source) }),
      });
      deps.encoder = createCachedEncoder(encoder, {
        shared: sharedCache,
        modelIdentity: (id) => encoder.identity(id),
      });
      const { key } = await deps.keys.create("secret");
      const server = serveApp(deps);
      const post = async (body: unknown) => {
        const res = await fetch(
          `${server.url}/v1/encode`,
          jsonPost(body, key, { Accept: "application/octet-stream" }),
        );
        assert.equal(res.status, 200);
        return {
          cache: res.headers.get("X-Cache"),
          values: new Float32Array(await res.arrayBuffer()),
        };
      };
      return { post, close: async () => (await server.close(), await encoder.dispose()) };
    };
    // An instance serving the public tokenizer under this id fills the shared cache first.
    const before = await serve(plainManifest, plainRoot);
    try {
      const first = await before.post({ prompt: prompt.text });
      assert.equal(first.cache, "MISS");
    } finally {
      await before.close();
    }
    const edge = await serve(bang.manifest, bang.root);
    try {
      for (const expectedCache of ["MISS", "HIT"]) {
        const { cache, values } = await edge.post({ prompt: prompt.text });
        assert.equal(cache, expectedCache, "another tokenizer's cached entry is never served");
        const row = expected.length;
        // Unconditional rows first, as the UNet batch takes them.
        const uncond = values.subarray(0, row);
        const cond = values.subarray(row);
        const diff = Math.max(maxAbsDiff(cond, expected), maxAbsDiff(uncond, expectedUncond));
        assert.ok(diff <= 1e-5, `embeddings differ from the 0-padded ids' by ${diff}`);
      }
    } finally {
      await edge.close();
      await direct.dispose();
    }
  });
});

Deno.test("the render worker renders a '!'-padded model from the 0-padded prompt ids", async () => {
  await withTempDir(async (dir) => {
    const { root, manifest } = await padBangModel(dir, "tiny-bang");
    const request = {
      model: "tiny-bang",
      prompt: "a photo of a cat",
      negativePrompt: "",
      steps: 2,
      guidanceScale: 7.5,
      seed: "7",
      width: 64,
      height: 64,
      batchSize: 1,
      scheduler: "euler",
    };
    const queue = createInProcessQueue({ capacity: 2 });
    const pool = startRenderPool({
      queue,
      models: ["tiny-bang"],
      workers: 1,
      device: "cpu",
      cacheDir: dir,
    });
    let png: Uint8Array | undefined;
    try {
      await pool.ready;
      const job = await queue.submit(request);
      const done = await queue.wait(job.id);
      assert.equal(done.status, "succeeded", String(done.error?.message));
      png = done.images?.[0];
    } finally {
      await pool.close();
      await queue.close();
    }
    assert.ok(png);
    const rendered = decode(png).data;

    // Expected: the same loop on embeddings of the golden ids re-padded with 0 (and, as a control,
    // with <|endoftext|>), encoded by running the text encoder directly.
    const cases = await goldenCases();
    const prompt = cases.find((c) => c.text === request.prompt)!;
    const empty = cases.find((c) => c.text === "")!;
    const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
    const pipeline = await loadPipeline(manifest, {
      backend,
      readFile: (path) => Deno.readFile(`${root}/${path}`),
    });
    try {
      const render = async (padId: number) => {
        const embeddings: PromptEmbeddings = {
          cond: await embed(pipeline.textEncoder, repad(prompt.input_ids_77, padId)),
          uncond: await embed(pipeline.textEncoder, repad(empty.input_ids_77, padId)),
          shape: [1, 77, 32],
        };
        const result = await textToImage({
          embeddings,
          scheduler: "euler",
          schedulerConfig: manifest.schedulerConfig,
          steps: request.steps,
          guidanceScale: request.guidanceScale,
          seed: 7,
          width: 64,
          height: 64,
        }, {
          unet: pipeline.unet,
          vaeDecoder: pipeline.vaeDecoder,
          scalingFactor: manifest.scalingFactor,
        });
        return result.images[0]!.rgba;
      };
      const worst = (expected: Uint8ClampedArray) =>
        expected.reduce((max, v, i) => Math.max(max, Math.abs(v - rendered[i]!)), 0);
      const zeroPadded = worst(await render(0));
      const eosPadded = worst(await render(49407));
      assert.ok(zeroPadded <= 1, `the worker's image is ${zeroPadded} levels off the 0-padded one`);
      assert.ok(eosPadded > 1, `the control (<|endoftext|> padding) differs by only ${eosPadded}`);
    } finally {
      await pipeline.dispose();
      await backend.dispose();
    }
  });
});
