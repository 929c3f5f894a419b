import assert from "node:assert/strict";
import { cpuSession, tensor } from "../_ort.ts";
import { main, type ModelsCliIo } from "../../models/cli.ts";
import { fixturePath, readFixtureJson } from "../_fixtures.ts";
import { readGolden } from "../_npy.ts";
import { startHubServer } from "./hub/_hub_server.ts";
import { tinyRepoFiles } from "./hub/_tiny_repo.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: ModelsCliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const cacheDir = await Deno.makeTempDir({ prefix: "models-cli-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));

Deno.test("models CLI prints help for itself and every command", async () => {
  const top = await run(["--help"]);
  assert.equal(top.code, 0);
  for (const command of ["list", "build", "pull", "convert", "verify"]) {
    assert.match(top.stdout, new RegExp(`\\n  ${command} `));
    const help = await run([command, "--help"]);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^Usage: deno task models ${command}`));
  }
});

Deno.test("models CLI answers every bad input with one line on stderr and exit code 2", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], {}, /^$/],
    [
      ["frobnicate"],
      {},
      /Unknown command 'frobnicate' \(expected add, list, build, pull, convert, verify\)/,
    ],
    [["list", "--colour"], {}, /Unknown option '--colour' for 'list'/],
    [["build"], {}, /'build' needs <id>/],
    [["build", "tiny-sd", "extra"], {}, /'build' takes 1 argument\(s\), got 'tiny-sd extra'/],
    [
      ["build", "sd-xl"],
      {},
      /Cannot build 'sd-xl': embedded models are toy-shapes, tiny-sd, tiny-sd-f16\n/,
    ],
    [["pull", "not a repo"], {}, /Cannot parse model reference 'not a repo'/],
    [["pull", "org/name@"], {}, /the revision is empty or unsafe/],
    [["pull", "org/name", "--retries", "many"], {}, /'--retries' must be an integer in \[0, 99\]/],
    [["pull", "org/name", "--cache-dir"], {}, /Option '--cache-dir' needs a value/],
    [["pull", "org/name"], { HF_TOKEN: "secret" }, /HF_TOKEN must be a Hugging Face access token/],
    [["pull", "org/name"], { HF_ENDPOINT: "ftp://x" }, /HF_ENDPOINT must be an http\(s\) URL/],
    [["convert", "/nonexistent/diffusers", `${cacheDir}/out`], {}, /is not a directory/],
    [["convert", "only-one"], {}, /'convert' needs <diffusers-dir> <out-dir>/],
    [["verify", "org/never-pulled", "--cache-dir", cacheDir], {}, /not in the cache/],
  ];
  for (const [args, env, pattern] of cases) {
    const result = await run(args, env);
    assert.equal(result.code, 2, args.join(" "));
    if (args.length === 0) {
      assert.match(result.stdout, /^Usage: deno task models/);
      continue;
    }
    assert.match(result.stderr, /^error: [^\n]+\n$/, args.join(" "));
    assert.match(result.stderr, pattern, args.join(" "));
  }
});

Deno.test("models CLI builds, lists and verifies tiny-sd", async () => {
  const build = await run(["build", "tiny-sd", "--cache-dir", cacheDir]);
  assert.equal(build.code, 0, build.stderr);
  assert.match(
    build.stdout,
    new RegExp(`^tiny-sd ready in ${cacheDir}/tiny-sd \\(\\d+\\.\\d\\ds\\)\\n$`),
  );
  const list = await run(["list", "--json"], { SD_MODELS_DIR: cacheDir });
  assert.deepEqual(JSON.parse(list.stdout).map((m: { id: string }) => m.id), ["tiny-sd"]);
  const listed = await run(["list", "--cache-dir", cacheDir]);
  assert.match(listed.stdout, /^tiny-sd {2}embedded {2}sd1 {2}64x64 /m);
  assert.match(listed.stdout, /^tiny-sd-f16 {2}embedded {2}\(built on first use\)$/m);
  assert.match(listed.stdout, /^toy-shapes {2}embedded {2}\(built on first use\)$/m);
  const verify = await run(["verify", "tiny-sd", "--cache-dir", cacheDir]);
  assert.equal(verify.code, 0);
  assert.match(verify.stdout, /tiny-sd: all 6 files ok\n$/);
  await Deno.truncate(`${cacheDir}/tiny-sd/tokenizer/merges.txt`, 10);
  const broken = await run(["verify", "tiny-sd"], { SD_MODELS_DIR: cacheDir });
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /size-mismatch +tokenizer\/merges\.txt +10 bytes, expected 524619/);
  const rebuilt = await run(["build", "tiny-sd", "--force", "--cache-dir", cacheDir]);
  assert.equal(rebuilt.code, 0);
  assert.equal((await run(["verify", "tiny-sd", "--cache-dir", cacheDir])).code, 0);
});

Deno.test("models CLI pull reads HF_ENDPOINT and HF_TOKEN and reports progress", async () => {
  const server = startHubServer({
    repo: "org/tiny",
    files: await tinyRepoFiles(),
    token: "hf_abc",
  });
  try {
    const env = { HF_ENDPOINT: server.url, SD_MODELS_DIR: cacheDir };
    const denied = await run(["pull", "org/tiny"], env);
    assert.equal(denied.code, 2);
    assert.match(
      denied.stderr,
      /^error: Cannot resolve 'org\/tiny@main': the hub answered 401.*HF_TOKEN/,
    );
    const missing = await run(["pull", "org/other"], { ...env, HF_TOKEN: "hf_abc" });
    assert.equal(missing.code, 2);
    const pulled = await run(["pull", "org/tiny@main"], { ...env, HF_TOKEN: "hf_abc" });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /^org\/tiny@main → [0-9a-f]{12}: 14 files, 17\.7 MB\n/);
    assert.match(pulled.stderr, /\n {2}unet\/model\.onnx_data {2}5\.4 MB {2}downloaded\n/);
    assert.match(pulled.stdout, new RegExp(`^org/tiny@${server.commit} ready in `));
    const verify = await run(["verify", "org/tiny"], env);
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /org\/tiny: all 7 files ok/);
  } finally {
    await server.close();
  }
});

Deno.test("models CLI converts the reference diffusers checkpoint to an ONNX model matching the goldens", async () => {
  const out = `${cacheDir}/converted`;
  const src = fixturePath("models/tiny-sd-reference/diffusers");
  const result = await run(["convert", src, out, "--id", "reference", "--license", "MIT"]);
  assert.equal(result.code, 0, result.stderr);
  const manifest = JSON.parse(await Deno.readTextFile(`${out}/manifest.json`));
  assert.equal(manifest.id, "reference");
  assert.equal(manifest.license, "MIT");
  const index = await readFixtureJson<{
    cases: { name: string; tolerance: { max_abs: number } }[];
  }>("models/tiny-sd-reference/golden/index.json");
  const tolerance = index.cases.find((c) => c.name === "vae_decoder")!.tolerance.max_abs;
  const session = await cpuSession(`${out}/vae_decoder/model.onnx`);
  try {
    const latents = await readGolden("vae_decoder.latent_sample.npy");
    const golden = await readGolden("vae_decoder.sample.npy");
    const output = await session.run({
      latent_sample: tensor(latents.data as Float32Array, latents.shape),
    });
    const sample = output.sample!.data as Float32Array;
    assert.deepEqual(output.sample!.dims, golden.shape);
    let worst = 0;
    for (let i = 0; i < sample.length; i++) {
      worst = Math.max(worst, Math.abs(sample[i]! - (golden.data as Float32Array)[i]!));
    }
    assert.ok(worst <= tolerance, `max abs ${worst} > ${tolerance}`);
  } finally {
    await session.release();
  }
  // Fused attention by default; --standard-attention writes graphs any ONNX runtime runs.
  const hasFusedOp = async (dir: string) =>
    new TextDecoder("latin1").decode(await Deno.readFile(`${dir}/unet/model.onnx`))
      .includes("MultiHeadAttention");
  assert.equal(await hasFusedOp(out), true);
  const standard = `${cacheDir}/converted-standard`;
  const plain = await run(["convert", src, standard, "--standard-attention"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(await hasFusedOp(standard), false);
});

Deno.test("`deno task models` exits 2 on bad input, and concurrent builds agree", async () => {
  const cli = new URL("../../models/cli.ts", import.meta.url).pathname;
  const deno = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, ...args],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const bad = await deno(["pull"]);
  assert.equal(bad.code, 2);
  assert.equal(
    new TextDecoder().decode(bad.stderr),
    "error: 'pull' needs <org/name[@revision]> (see --help)\n",
  );
  const shared = await Deno.makeTempDir({ prefix: "models-cli-race-" });
  try {
    const builds = await Promise.all(
      [1, 2].map(() => deno(["build", "tiny-sd", "--cache-dir", shared])),
    );
    assert.deepEqual(builds.map((b) => b.code), [0, 0]);
    const names: string[] = [];
    for await (const entry of Deno.readDir(shared)) names.push(entry.name);
    assert.deepEqual(names, ["tiny-sd"]);
    const { code } = await deno(["verify", "tiny-sd", "--cache-dir", shared]);
    assert.equal(code, 0);
  } finally {
    await Deno.remove(shared, { recursive: true });
  }
});
