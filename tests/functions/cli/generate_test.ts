import assert from "node:assert/strict";
import { main } from "../../../functions/cli/generate.ts";
import { captureIo } from "./_io.ts";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { pngPicture, QUICK_PROMPTS, scorePicture } from "../../_adherence/mod.ts";

Deno.test("generate --help prints the usage and exits 0", async () => {
  const io = captureIo();
  assert.equal(await main(["--help"], io), 0);
  assert.match(io.out, /^Generate an image from a prompt/);
  assert.match(io.out, /--scheduler <name>/);
  assert.equal(io.err, "");
});

Deno.test("generate reports bad flags and unknown schedulers in one line, exit 2", async () => {
  for (
    const args of [
      ["a cat", "--steps", "many"],
      ["a cat", "--scheduler", "warp_drive"],
      ["a cat", "--frobnicate"],
    ]
  ) {
    const io = captureIo();
    assert.equal(await main(args, io), 2, args.join(" "));
    assert.match(io.err, /^error: [^\n]+\n$/);
    assert.equal(io.files.size, 0);
  }
});

Deno.test("deno task generate exits 2 on a bad flag without a stack trace", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "functions/cli/generate.ts", "a cat", "--size", "65"],
    cwd: new URL("../../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 2);
  assert.equal(stderr, "error: --size must be a multiple of 4 in [64, 1024]: got '65x65'\n");
});

Deno.test("generate writes a seeded PNG whose parameters chunk records the request", async () => {
  const run = async () => {
    const io = captureIo();
    const code = await main([
      "a photo of a cat",
      "--seed",
      "42",
      "--steps",
      "3",
      "--scheduler",
      "euler_a",
      "--guidance",
      "7.5",
      "--size",
      "64",
      "--negative",
      "blurry",
      "--device",
      "cpu",
      "--out",
      "cat.png",
    ], io);
    assert.equal(code, 0, io.err);
    return io;
  };
  const io = await run();
  assert.match(io.out, /^wrote cat\.png \(64x64, seed 42, Euler a, 3 steps, [\d.]+s on cpu\)\n$/);
  assert.match(io.err, /step 3\/3/);
  const png = io.files.get("cat.png")!;
  const parameters = readPngParameters(png);
  assert.ok(parameters !== null);
  assert.match(parameters, /^a photo of a cat\nNegative prompt: blurry\n/);
  assert.match(parameters, /Steps: 3/);
  assert.match(parameters, /Seed: 42/);
  assert.match(parameters, /Size: 64x64/);
  assert.match(parameters, /CFG scale: 7\.5/);
  const again = await run();
  assert.deepEqual(again.files.get("cat.png"), png, "same seed, same PNG bytes");
});

Deno.test("deno task generate with no --model draws the prompt with toy-shapes, offline", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sd-generate-toy-" });
  try {
    for (const prompt of QUICK_PROMPTS) {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "task",
          "generate",
          prompt,
          "--seed",
          "0",
          "--device",
          "cpu",
          "--out",
          `${dir}/out.png`,
        ],
        cwd: new URL("../../../", import.meta.url).pathname,
        env: { SD_MODELS_DIR: `${dir}/models`, HF_ENDPOINT: "http://127.0.0.1:9" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      assert.match(stdout, /^wrote \S+out\.png \(64x64, seed 0, PLMS, 25 steps, /);
      const png = await Deno.readFile(`${dir}/out.png`);
      assert.match(readPngParameters(png)!, /Model: toy-shapes/);
      const score = scorePicture(prompt, pngPicture(png));
      assert.deepEqual(
        [score.background, score.colour, score.shape],
        [true, true, true],
        `${prompt}: ${JSON.stringify(score)}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
