import assert from "node:assert/strict";
import { createProgressReporter } from "../../../functions/cli/_progress.ts";
import type { PipelineEvent } from "../../../shared/pipeline/mod.ts";

const latents = new Float32Array(4);
const EVENTS: PipelineEvent[] = [
  { type: "start", seed: "42", total: 2, latents },
  { type: "step", step: 1, total: 2, timestep: 500, latents },
  { type: "step", step: 2, total: 2, timestep: 1, latents },
  { type: "decode", images: 1 },
  {
    type: "done",
    seed: "42",
    timings: { totalMs: 1500, denoiseMs: 1, decodeMs: 1, unetMs: 1, vaeMs: 1, schedulerMs: 1 },
  },
];

function render(terminal: boolean): string {
  let out = "";
  let clock = 0;
  const report = createProgressReporter({
    write: (text) => out += text,
    terminal,
    width: 10,
    now: () => (clock += 250),
  });
  for (const event of EVENTS) report(event);
  return out;
}

Deno.test("createProgressReporter() redraws one bar in place on a terminal", () => {
  assert.equal(
    render(true),
    "seed 42, 2 steps\n" +
      "\r█████░░░░░  50% 1/2 0.3s" +
      "\r██████████ 100% 2/2 0.5s\n" +
      "decoding 1 image\n" +
      "done in 1.50s\n",
  );
});

Deno.test("createProgressReporter() prints plain lines when not on a terminal", () => {
  assert.equal(
    render(false),
    "seed 42, 2 steps\nstep 1/2 (0.3s)\nstep 2/2 (0.5s)\ndecoding 1 image\ndone in 1.50s\n",
  );
});
