import assert from "node:assert/strict";
import { parseGenerateArgs, UsageError } from "../../../functions/cli/_args.ts";

Deno.test("parseGenerateArgs() reads the documented example command line", () => {
  const args = parseGenerateArgs([
    "a photo of a cat",
    "--seed",
    "42",
    "--steps",
    "25",
    "--scheduler",
    "euler_a",
    "--guidance",
    "7.5",
    "--size",
    "64",
    "--negative",
    "blurry",
    "--model",
    "tiny-sd",
    "--device",
    "wasm",
    "--out",
    "cat.png",
  ]);
  assert.deepEqual({ ...args }, {
    help: false,
    prompt: "a photo of a cat",
    seed: 42n,
    steps: 25,
    scheduler: "euler_a",
    guidanceScale: 7.5,
    width: 64,
    height: 64,
    negativePrompt: "blurry",
    model: "tiny-sd",
    devices: ["wasm"],
    out: "cat.png",
    batchSize: 1,
    quiet: false,
  });
  assert.ok(Object.isFrozen(args));
});

Deno.test("parseGenerateArgs() defaults to toy-shapes on CUDA then CPU, written to output.png", () => {
  const args = parseGenerateArgs(["a cat", "--size", "128x64", "--seed", "18446744073709551615"]);
  assert.equal(args.model, "toy-shapes");
  assert.deepEqual(args.devices, ["cuda", "cpu"]);
  assert.equal(args.out, "output.png");
  assert.equal(args.width, 128);
  assert.equal(args.height, 64);
  assert.equal(args.seed, 2n ** 64n - 1n);
  assert.equal(parseGenerateArgs(["--help"]).help, true);
  assert.equal(parseGenerateArgs(["-h"]).help, true);
});

Deno.test("parseGenerateArgs() rejects bad command lines with one-line UsageErrors", () => {
  const cases: [string[], RegExp][] = [
    [[], /a prompt is required/],
    [["a", "b"], /expected one prompt/],
    [["a cat", "--bogus"], /Unknown option '--bogus'/],
    [["a cat", "--steps", "ten"], /--steps must be an integer in \[1, 1000\]: got 'ten'/],
    [["a cat", "--steps", "0"], /--steps must be an integer/],
    [["a cat", "--size", "65"], /--size must be a multiple of 8/],
    [["a cat", "--size", "big"], /--size must be <px> or <width>x<height>/],
    [["a cat", "--guidance", "x"], /--guidance must be a number/],
    [["a cat", "--seed=-1"], /--seed must be an integer in \[0, 2\^64\)/],
    [["a cat", "--seed", "18446744073709551616"], /--seed must be an integer/],
    [["a cat", "--device", "tpu"], /--device must be one of/],
    [["a cat", "--out", "cat.jpg"], /--out must name a .png file/],
    [["a cat", "--steps"], /argument missing/],
    [["a cat", "--seed", "-1"], /ambiguous\. Did you forget .* use '--seed=-XYZ'/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseGenerateArgs(args), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${args.join(" ")}: ${error}`);
      assert.match(error.message, message);
      assert.ok(!error.message.includes("\n"), "the message must be one line");
      return true;
    });
  }
});
