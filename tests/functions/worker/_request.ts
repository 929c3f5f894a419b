/**
 * Requests and PNG checks shared by the worker tests.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { readPngParameters } from "../../../shared/image/mod.ts";
import type { JobRequest } from "../../../functions/worker/mod.ts";

/** A small, fast request for the embedded tiny model. */
export function tinyRequest(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    model: "tiny-sd",
    prompt: "a lighthouse at dusk",
    negativePrompt: "blurry",
    steps: 4,
    guidanceScale: 7.5,
    seed: "1234",
    width: 64,
    height: 64,
    batchSize: 1,
    scheduler: "euler",
    ...overrides,
  };
}

/** Asserts `png` decodes to a `width`×`height` RGBA image carrying the request's parameters. */
export function assertPng(png: Uint8Array | undefined, request: JobRequest): void {
  assert.ok(png instanceof Uint8Array, "expected PNG bytes");
  const image = decode(png);
  assert.equal(image.width, request.width);
  assert.equal(image.height, request.height);
  assert.equal(image.channels, 4);
  const parameters = readPngParameters(png);
  assert.ok(parameters !== null, "expected a parameters chunk");
  assert.match(parameters, new RegExp(`^${request.prompt}\\n`));
  assert.match(parameters, new RegExp(`Seed: ${request.seed}\\b`));
  assert.match(parameters, new RegExp(`Size: ${request.width}x${request.height}`));
  assert.match(parameters, new RegExp(`Steps: ${request.steps}\\b`));
}
