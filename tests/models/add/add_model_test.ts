/**
 * `deno task models add`: a plain ONNX folder (manifest built, files linked), a diffusers folder
 * (converted), a folder with a float16 variant (`--variant fp16` picks it, the manifest lists the
 * other), a hub repository on the local hub-compatible server (pulled first); each then generates
 * through `deno task start`. Wrong inputs get one line naming the missing file and the fix, exit 2,
 * and nothing written.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { main, type ModelsCliIo } from "../../../models/cli.ts";
import { loadModel } from "../../../models/mod.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";
import { fixturePath } from "../../_fixtures.ts";
import { startApiProcess } from "../../functions/_process.ts";
import { startHubServer } from "../hub/_hub_server.ts";
import { tinyRepoFiles } from "../hub/_tiny_repo.ts";
import { copyReference } from "../registry/_pad_bang_model.ts";
import { PUBLIC_TOKENIZER, writeVariantsExport } from "./_variants_export.ts";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const io: ModelsCliIo = {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    env,
  };
  const code = await main(args, io);
  return { code, out, err };
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

async function readManifest(path: string): Promise<ModelManifest> {
  return JSON.parse(await Deno.readTextFile(`${path}/manifest.json`));
}

Deno.test("models add: ONNX folder, diffusers folder, fp16 variant and hub repo each become servable and generate through start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "models_add_" });
  const cache = `${dir}/cache`;
  // A repository with the PyTorch weights beside the ONNX export (as SimianLuo/LCM_Dreamshaper_v7).
  const repoFiles = await tinyRepoFiles();
  repoFiles["unet/diffusion_pytorch_model.safetensors"] = { bytes: new Uint8Array(64), lfs: true };
  // …and a UNet variant in unet_fp16/ (the float32 graph here: only where it is found matters).
  repoFiles["unet_fp16/model.onnx"] = {
    bytes: await Deno.readFile(fixturePath("models/tiny-sd-reference/unet/model.onnx")),
    lfs: true,
  };
  const hub = startHubServer({ repo: "org/tiny-sd-onnx", files: repoFiles });
  try {
    // A plain ONNX export: the manifest is built, the files linked (not copied).
    await copyReference(`${dir}/tiny-onnx`, PUBLIC_TOKENIZER);
    const onnx = await cli(["add", `${dir}/tiny-onnx`, "--cache-dir", cache]);
    assert.equal(onnx.code, 0, onnx.err);
    assert.match(onnx.out, /^added tiny-onnx \(onnx, sd1, variants fp32, PNDMScheduler/);
    assert.ok((await Deno.lstat(`${cache}/tiny-onnx/unet/model.onnx`)).isSymlink);
    assert.equal((await readManifest(`${cache}/tiny-onnx`)).tokenizer.padTokenId, 49407);

    // A diffusers checkpoint: converted.
    await copyTree(fixturePath("models/tiny-sd-reference/diffusers"), `${dir}/tiny-diffusers`);
    const diffusers = await cli(["add", `${dir}/tiny-diffusers`, "--cache-dir", cache]);
    assert.equal(diffusers.code, 0, diffusers.err);
    assert.match(diffusers.out, /^added tiny-diffusers \(diffusers, /);
    assert.ok((await Deno.lstat(`${cache}/tiny-diffusers/unet/model.onnx`)).isFile);

    // An export shipping float16 networks beside the float32 ones.
    const variantDir = `${dir}/tiny-variants`;
    await writeVariantsExport(variantDir);
    const fp16 = await cli(["add", variantDir, "--variant", "fp16", "--cache-dir", cache]);
    assert.equal(fp16.code, 0, fp16.err);
    assert.match(fp16.out, /^added tiny-variants-fp16 \(onnx, sd1, variants fp16, fp32, /);
    const picked = await readManifest(`${cache}/tiny-variants-fp16`);
    assert.equal(picked.variant, "fp16");
    assert.equal(picked.components.unet.model.path, "unet_fp16/model.onnx");
    assert.equal(picked.components.unet.weightDType, "float16");
    assert.equal(picked.components.vae_decoder.model.path, "vae_decoder/model_fp16.onnx");
    assert.equal(picked.components.text_encoder.model.path, "text_encoder/model.onnx");
    assert.equal(picked.variants?.fp32?.unet?.model.path, "unet/model.onnx");
    const both = await cli(["add", variantDir, "--cache-dir", cache]);
    assert.equal(both.code, 0, both.err);
    const plain = await readManifest(`${cache}/tiny-variants`);
    assert.equal(plain.variant, "fp32");
    assert.equal(plain.components.unet.model.path, "unet/model.onnx");
    assert.equal(plain.variants?.fp16?.unet?.model.path, "unet_fp16/model.onnx");
    assert.equal(plain.variants?.fp16?.text_encoder, undefined, "shared, not listed twice");
    const noF16 = await cli([
      "add",
      `${dir}/tiny-onnx`,
      "--variant",
      "fp16",
      "--id",
      "x",
      "--cache-dir",
      cache,
    ]);
    assert.equal(noF16.code, 2);
    assert.match(noF16.err, /error: .*for variant 'fp16': none of unet_fp16\/model.onnx, /);

    // A hub repository on the local hub-compatible server: pulled, then the same.
    const pulled = await cli(["add", "org/tiny-sd-onnx", "--cache-dir", cache], {
      HF_ENDPOINT: hub.url,
    });
    assert.equal(pulled.code, 0, pulled.err);
    assert.match(pulled.out, /^added tiny-sd-onnx \(onnx, /);
    const hubModel = await loadModel("tiny-sd-onnx", { cacheDir: cache });
    assert.ok(hubModel.manifest.components.unet.externalData, "external data kept");
    assert.ok(
      !hub.requests.some((r) => r.path.includes("diffusion_pytorch_model")),
      "the PyTorch weights are not downloaded",
    );
    assert.ok(hub.requests.some((r) => r.path.includes("unet_fp16")), "variants are pulled");
    assert.equal(hubModel.manifest.variants?.fp16?.unet?.model.path, "unet_fp16/model.onnx");

    // Each generates through `deno task start`, plus a folder given straight to --model.
    await copyReference(`${dir}/direct`, PUBLIC_TOKENIZER);
    const ids = ["tiny-onnx", "tiny-diffusers", "tiny-variants-fp16", "tiny-sd-onnx"];
    const api = await startApiProcess({
      entry: "start",
      args: [...ids.flatMap((id) => ["--model", id]), "--model", `${dir}/direct`],
      env: {
        SD_MODELS_DIR: cache,
        SD_KEYS_FILE: `${dir}/keys.json`,
        SD_CLIENT_DIST: `${dir}/dist`,
        SD_JWT_SECRET: "add-test-secret-add-test-secret-add-0123",
        SD_LOG_REQUESTS: "0",
        SD_WORKERS: "1",
      },
      readyTimeoutMs: 180_000,
    });
    try {
      for (let i = 0; i < 100 && !/sk_[0-9A-Za-z]{48}/.test(api.output()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const key = /secret key\s+(sk_[0-9A-Za-z]{48})/.exec(api.output())?.[1];
      assert.ok(key, api.output());
      for (const model of [...ids, "direct"]) {
        const response = await api.fetch("/v1/images/generations", {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            model,
            prompt: "a red circle",
            steps: 2,
            size: "64x64",
            seed: 1,
            response_format: "b64_json",
          }),
        });
        const body = await response.json();
        assert.equal(response.status, 200, `${model}: ${JSON.stringify(body)}`);
        const png = Uint8Array.from(atob(body.data[0].b64_json), (c) => c.charCodeAt(0));
        assert.equal(decode(png).width, 64, model);
      }
    } finally {
      await api.stop();
    }
  } finally {
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models add refuses a missing UNet, a config the builder cannot build and a folder of something else: one line, exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "models_add_bad_" });
  const cache = `${dir}/cache`;
  try {
    await copyReference(`${dir}/no-unet`, PUBLIC_TOKENIZER);
    await Deno.remove(`${dir}/no-unet/unet`, { recursive: true });

    await copyTree(fixturePath("models/tiny-sd-reference/diffusers"), `${dir}/odd-config`);
    const configPath = `${dir}/odd-config/unet/config.json`;
    const config = JSON.parse(await Deno.readTextFile(configPath));
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({ ...config, class_embed_type: "timestep" }),
    );

    await Deno.mkdir(`${dir}/photos`);
    await Deno.writeTextFile(`${dir}/photos/cat.txt`, "not a model");

    // An SDXL export is refused even though it has a unet/model.onnx.
    await copyReference(`${dir}/sdxl`, PUBLIC_TOKENIZER);
    await Deno.writeTextFile(
      `${dir}/sdxl/model_index.json`,
      JSON.stringify({ _class_name: "StableDiffusionXLPipeline" }),
    );

    const cases: [string, RegExp][] = [
      [
        `${dir}/no-unet`,
        /its UNet is missing: neither 'unet\/model.onnx' nor 'unet\/diffusion_pytorch_model.safetensors' is there \(download the whole repository, e.g. 'huggingface-cli download/,
      ],
      [
        `${dir}/odd-config`,
        /'class_embed_type' must be null: current value is "timestep"; export it to ONNX instead \('optimum-cli export onnx --model .* <out>'\) and run 'deno task models add <out>'/,
      ],
      [
        `${dir}/photos`,
        /it is not a Stable Diffusion model folder \(no 'model_index.json' and no 'unet\/model.onnx'\); give an ONNX export \('optimum-cli export onnx/,
      ],
      [
        `${dir}/sdxl`,
        /it is a StableDiffusionXLPipeline, and only Stable Diffusion 1.x\/2.x, SD-Turbo and LCM models run here/,
      ],
      [`${dir}/missing`, /it is not a folder \(nor a hub id like 'org\/name'\)/],
    ];
    for (const [source, message] of cases) {
      const result = await cli(["add", source, "--cache-dir", cache]);
      assert.equal(result.code, 2, source);
      // Progress lines may come first; the refusal is one line, the last.
      const lines = result.err.trimEnd().split("\n");
      assert.equal(lines.filter((line) => line.startsWith("error:")).length, 1);
      assert.match(lines.at(-1)!, /^error: /);
      assert.match(lines.at(-1)!, message);
      assert.equal(result.out, "");
      const left = await entries(cache).catch(() => []);
      assert.deepEqual(left, [], `nothing written for ${source}: ${left}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models add --steps/--guidance/--scheduler set the model's defaults; bad values exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "models_add_defaults_" });
  const cache = `${dir}/cache`;
  try {
    await copyReference(`${dir}/src`, PUBLIC_TOKENIZER);
    const args = ["add", `${dir}/src`, "--id", "fast", "--cache-dir", cache];
    const ok = await cli([...args, "--steps", "1", "--guidance", "0", "--scheduler", "euler_a"]);
    assert.equal(ok.code, 0, ok.err);
    const { defaults } = await readManifest(`${cache}/fast`);
    assert.deepEqual([defaults.steps, defaults.guidanceScale, defaults.scheduler], [
      1,
      0,
      "euler_a",
    ]);
    for (
      const [flag, value, message] of [
        ["--steps", "0", /'--steps' must be an integer >= 1/],
        ["--guidance", "-1", /'--guidance' must be a number >= 0/],
        ["--scheduler", "warp", /'--scheduler' must be one of /],
      ] as const
    ) {
      const bad = await cli([
        "add",
        `${dir}/src`,
        "--id",
        "bad",
        "--cache-dir",
        cache,
        flag,
        value,
      ]);
      assert.equal(bad.code, 2, flag);
      assert.match(bad.err, message);
      assert.ok(!(await entries(cache)).includes("bad"));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models add on a hub repo with its ONNX layout in onnx/ (found by itself) or another --subfolder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "models_add_sub_" });
  const files = await tinyRepoFiles();
  const nested = (folder: string) =>
    Object.fromEntries(Object.entries(files).map(([path, file]) => [`${folder}/${path}`, file]));
  const onnx = startHubServer({ repo: "org/in-onnx", files: { ...nested("onnx") } });
  const other = startHubServer({ repo: "org/in-other", files: { ...nested("sd/fp32") } });
  try {
    const cache = `${dir}/cache`;
    const found = await cli(["add", "org/in-onnx", "--cache-dir", cache], {
      HF_ENDPOINT: onnx.url,
    });
    assert.equal(found.code, 0, found.err);
    assert.ok(onnx.requests.every((r) => !r.path.includes("/README.md")), "only the layout");
    const named = await cli(
      ["add", "org/in-other", "--subfolder", "sd/fp32", "--cache-dir", cache],
      {
        HF_ENDPOINT: other.url,
      },
    );
    assert.equal(named.code, 0, named.err);
    for (const id of ["in-onnx", "in-other"]) {
      const model = await loadModel(id, { cacheDir: cache });
      assert.equal(model.manifest.components.unet.model.path, "unet/model.onnx", id);
    }
    const missing = await cli(["add", "org/in-other", "--id", "x", "--cache-dir", cache], {
      HF_ENDPOINT: other.url,
    });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /not an ONNX Stable Diffusion layout, model_index.json, /);
  } finally {
    await onnx.close();
    await other.close();
    await Deno.remove(dir, { recursive: true });
  }
});
