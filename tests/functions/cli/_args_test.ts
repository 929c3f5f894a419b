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
  assert.deepEqual({ ...args, params: { ...args.params } }, {
    help: false,
    params: {
      prompt: "a photo of a cat",
      seed: "42",
      steps: 25,
      scheduler: "euler_a",
      guidanceScale: 7.5,
      width: 64,
      height: 64,
      negativePrompt: "blurry",
      model: "tiny-sd",
    },
    devices: ["wasm"],
    out: "cat.png",
    quiet: false,
    noLimits: false,
  });
  assert.ok(Object.isFrozen(args) && Object.isFrozen(args.params));
});

Deno.test("parseGenerateArgs() defaults to toy-shapes on CUDA then CPU, written to output.png", () => {
  const args = parseGenerateArgs(["a cat", "--size", "128x64", "--seed", "18446744073709551615"]);
  assert.equal(args.params.model, "toy-shapes");
  assert.deepEqual(args.devices, ["cuda", "cpu"]);
  assert.equal(args.out, "output.png");
  assert.equal(args.params.width, 128);
  assert.equal(args.params.height, 64);
  assert.equal(args.params.seed, "18446744073709551615");
  assert.equal(parseGenerateArgs(["a cat", "--no-limits"]).noLimits, true);
  assert.equal(parseGenerateArgs(["--help"]).help, true);
  assert.equal(parseGenerateArgs(["-h"]).help, true);
});

Deno.test("parseGenerateArgs() rejects bad command lines with one-line UsageErrors", () => {
  const cases: [string[], RegExp][] = [
    [[], /a prompt is required/],
    [["a", "b"], /expected one prompt/],
    [["a cat", "--bogus"], /Unknown option '--bogus'/],
    [["a cat", "--steps", "ten"], /--steps must be an integer: got 'ten'/],
    [["a cat", "--steps=1.5"], /--steps must be an integer: got '1.5'/],
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
