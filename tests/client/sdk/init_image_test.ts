import assert from "node:assert/strict";
import { createClient, SdClientError } from "../../../client/sdk/mod.ts";
import { GenerationError } from "../../../shared/generation/mod.ts";
import type { PixelImage } from "../../../shared/image/mod.ts";

const pixels = (size: number): PixelImage => ({
  data: new Uint8Array(size * size * 3).fill(128),
  width: size,
  height: size,
  channels: 3,
});

/** A client whose every request is refused, so the checks must happen before any request. */
function offlineClient() {
  const requests: string[] = [];
  const client = createClient({
    baseUrl: "http://127.0.0.1:9",
    key: "pk_test",
    device: "server",
    fetch: (input) => {
      requests.push(String(input));
      return Promise.resolve(new Response("gone", { status: 404 }));
    },
  });
  return { client, requests };
}

function isSdError(param: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SdClientError, String(error));
    assert.equal(error.code, "invalid_request");
    assert.equal(error.param, param);
    assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("generate() refuses a mask without an image or of another size with a typed error, before any request", async () => {
  const { client, requests } = offlineClient();
  await assert.rejects(
    client.generate({ prompt: "a cat", mask: pixels(64) }),
    isSdError("mask", /needs an 'image'/),
  );
  await assert.rejects(
    client.generate({ prompt: "a cat", image: pixels(64), mask: pixels(32) }),
    isSdError("mask", /64x64: current size is 32x32/),
  );
  await assert.rejects(
    client.generate({ prompt: "a cat", image: pixels(64), strength: 2 }),
    (error: unknown) => error instanceof GenerationError && error.field === "strength",
  );
  assert.deepEqual(requests, []);
});

Deno.test("generate() names 'image' when an image URL cannot be read", async () => {
  const { client, requests } = offlineClient();
  await assert.rejects(
    client.generate({ prompt: "a cat", image: "http://127.0.0.1:9/missing.png" }),
    isSdError("image", /not a readable image \(HTTP 404\)/),
  );
  assert.deepEqual(requests, ["http://127.0.0.1:9/missing.png"]);
});
