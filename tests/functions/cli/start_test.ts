/**
 * `deno task start`, the README's first command, as a real process: it builds the client when
 * missing, serves the demo page and the API on the embedded model, prints working keys on the
 * first run and a working demo link on every later run.
 */
import assert from "node:assert/strict";
import { type ApiProcess, startApiProcess } from "../_process.ts";

function printed(api: ApiProcess, pattern: RegExp): string {
  const match = pattern.exec(api.output());
  assert.ok(match, `expected ${pattern} in the output:\n${api.output()}`);
  return match[1] ?? match[0];
}

async function waitForOutput(api: ApiProcess, text: string): Promise<void> {
  for (let i = 0; i < 200 && !api.output().includes(text); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

Deno.test("deno task start serves the demo page and the API, with keys first and a demo token later", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sd-start-" });
  const env = {
    SD_KEYS_FILE: `${dir}/keys.json`,
    SD_CLIENT_DIST: `${dir}/dist`,
    SD_JWT_SECRET: "start-test-secret-start-test-secret-0123",
    SD_LOG_REQUESTS: "0",
    SD_WORKERS: "1",
  };
  const running: ApiProcess[] = [];
  try {
    const first = await startApiProcess({ env, entry: "start", readyTimeoutMs: 120_000 });
    running.push(first);
    await waitForOutput(first, "Demo page:");
    assert.match(first.output(), new RegExp(`listening on http://localhost:${first.port}`));
    const secret = printed(first, /secret key\s+(sk_[0-9A-Za-z]{48})/);
    const publishable = printed(first, /publishable key\s+(pk_[0-9A-Za-z]{48})/);
    assert.equal(printed(first, /Demo page: \S+#key=(\S+)/), publishable);

    const models = await first.fetch("/v1/models", {
      headers: { Authorization: `Bearer ${secret}` },
    });
    assert.equal(models.status, 200);
    assert.deepEqual((await models.json()).data.map((m: { id: string }) => m.id), ["toy-shapes"]);
    await Deno.stat(`${dir}/dist/manifest.json`); // built on start, where SD_CLIENT_DIST says
    const page = await first.fetch("/");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<sd-image|<form/);
    const a1111 = await first.fetch("/sdapi/v1/txt2img", {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: "a lighthouse", steps: 2, width: 64, height: 64, seed: 7 }),
    });
    assert.equal(a1111.status, 200);
    assert.equal((await a1111.json()).images.length, 1);
    assert.equal((await first.stop("SIGINT")).code, 0, "Ctrl-C stops it cleanly");

    const second = await startApiProcess({ env, entry: "start", readyTimeoutMs: 60_000 });
    running.push(second);
    await waitForOutput(second, "Demo page:");
    assert.doesNotMatch(second.output(), /[sp]k_[0-9A-Za-z]{48}/, "keys are never shown twice");
    const token = printed(second, /Demo page: \S+#key=(\S+)/);
    const manifest = await second.fetch("/v1/models/toy-shapes", {
      headers: { Authorization: `Bearer ${token}`, Origin: `http://localhost:${second.port}` },
    });
    assert.equal(manifest.status, 200, "the demo link's token works from the local page");
    assert.equal((await manifest.json()).id, "toy-shapes");
    const foreign = await second.fetch("/v1/models/toy-shapes", {
      headers: { Authorization: `Bearer ${token}`, Origin: "https://elsewhere.example" },
    });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
  } finally {
    for (const api of running.reverse()) await api.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});
