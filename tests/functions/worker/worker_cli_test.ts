/**
 * `deno task worker` refuses bad input with one readable line and exit code 2, before it connects
 * anywhere.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../../", import.meta.url).pathname;

async function runWorker(args: string[], env: Record<string, string>) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "functions/cli/worker.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", SD_REDIS_URL: "", REDIS_URL: "", ...env },
    stdout: "null",
  }).output();
  return { code, message: new TextDecoder().decode(stderr).trim() };
}

Deno.test("deno task worker explains a missing Redis URL, bad numbers, devices and unknown flags, exiting 2", async () => {
  const redis = { SD_REDIS_URL: "redis://127.0.0.1:1" };
  const cases: [string[], Record<string, string>, string][] = [
    [
      [],
      {},
      "render worker: set SD_REDIS_URL (redis://host:port) to the Redis the API instances use",
    ],
    [["--workers", "0"], redis, "render worker: --workers must be a positive integer: '0'"],
    [["--threads", "two"], redis, "render worker: --threads must be a positive integer: 'two'"],
    [
      [],
      { ...redis, SD_WORKER_THREADS: "-1" },
      "render worker: Cannot start as the configuration is invalid: " +
      "SD_WORKER_THREADS: must be an integer in [1, 1024]: current value is '-1'",
    ],
    [
      ["--bogus"],
      redis,
      "render worker: Unknown option '--bogus' (flags: --models, --workers, --threads, " +
      "--cache-dir, --device, --consumer, --claim-idle-ms, --block-ms, --prefix)",
    ],
    [
      ["--device", "tpu"],
      redis,
      "render worker: --device must be auto, cpu, cuda or webgpu: 'tpu'",
    ],
  ];
  for (const [args, env, expected] of cases) {
    const { code, message } = await runWorker(args, env);
    assert.equal(code, 2, `${args.join(" ")}: ${message}`);
    assert.equal(message, expected);
  }
});
