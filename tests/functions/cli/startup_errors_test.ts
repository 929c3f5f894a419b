/**
 * Every entry point (`deno task start`, the `deno serve` entry, `deno task worker`, `deno task keys`)
 * refuses a set-up it cannot serve at start, as a real process: one readable message on stderr, a
 * non-zero exit, no stack trace, no endless retries, and nothing created that a later run would
 * miss (a first run's keys are only ever shown once).
 */
import assert from "node:assert/strict";
import { freePort } from "../_process.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

interface Exit {
  code: number;
  stderr: string;
}

async function run(args: string[], env: Record<string, string>): Promise<Exit> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", SD_LOG_REQUESTS: "0", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A set-up error must end the process quickly; one that hangs fails here instead of the suite.
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const { code, stderr } = await child.output().finally(() => clearTimeout(timer));
  return { code, stderr: new TextDecoder().decode(stderr) };
}

const START = ["run", "-A", "functions/cli/start.ts"];
const SERVE = (port: number) => ["serve", "-A", "--port", String(port), "functions/main.ts"];
const WORKER = ["run", "-A", "functions/cli/worker.ts"];
const KEYS = ["run", "-A", "functions/cli/keys.ts", "list"];

function assertReadable(exit: Exit, code: number, message: RegExp): void {
  assert.equal(exit.code, code, exit.stderr);
  assert.match(exit.stderr, message);
  assert.doesNotMatch(exit.stderr, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(exit.stderr, /Uncaught|Unhandled/);
}

async function scratch(): Promise<Record<string, string>> {
  const dir = await Deno.makeTempDir({ prefix: "sd-startup-" });
  return { SD_KEYS_FILE: `${dir}/keys.json`, SD_CLIENT_DIST: `${dir}/dist`, SD_WORKERS: "0" };
}

Deno.test("an unknown or missing model stops start, serve and worker at start with the registry's reason", async () => {
  const env = {
    ...await scratch(),
    SD_MODELS: "no-such-model,tiny-sd,org/not-pulled",
    SD_REDIS_URL: "",
  };
  const start = await run(START, { ...env, PORT: String(freePort()) });
  assertReadable(start, 2, /Cannot load model 'no-such-model': it is not an embedded model/);
  assert.match(start.stderr, /Cannot load model 'org\/not-pulled'.*deno task models pull/);
  assert.match(start.stderr, /SD_MODELS is 'no-such-model,tiny-sd,org\/not-pulled'/);
  assert.doesNotMatch(start.stderr, /'tiny-sd'/, "the embedded model itself is fine");

  assertReadable(await run(SERVE(freePort()), env), 2, /Cannot load model 'no-such-model'/);

  const redis = { SD_REDIS_URL: "redis://127.0.0.1:1" }; // never reached: models are checked first
  const worker = await run([...WORKER, "--models", "no-such-model"], redis);
  assertReadable(worker, 2, /^render worker: Cannot load model 'no-such-model'/);
});

Deno.test("an unreachable Redis stops every entry point within seconds, password not shown", async () => {
  const port = freePort(); // nothing listens there
  const env = {
    ...await scratch(),
    SD_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
    SD_JWT_SECRET: "startup-test-secret-startup-test-secret",
  };
  const reason = new RegExp(`^.*Cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`);
  for (
    const [name, args] of [
      ["start", START],
      ["serve", SERVE(freePort())],
      ["worker", WORKER],
      ["keys", KEYS],
    ] as const
  ) {
    const began = performance.now();
    const workers = name === "worker" ? "1" : "0";
    const exit = await run([...args], { ...env, PORT: String(freePort()), SD_WORKERS: workers });
    assertReadable(exit, 2, reason);
    assert.doesNotMatch(exit.stderr, /hunter2/, `${name} prints the password`);
    assert.ok(performance.now() - began < 30_000, `${name} took too long to give up`);
  }
});

Deno.test("deno task start on a port in use says so before creating the first run's keys", async () => {
  const env = await scratch();
  const taken = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const exit = await run(START, { ...env, PORT: String(port) });
    assertReadable(
      exit,
      1,
      new RegExp(`Cannot listen on 0\\.0\\.0\\.0:${port}: the port is in use`),
    );
    await assert.rejects(Deno.stat(env.SD_KEYS_FILE!), Deno.errors.NotFound, "no keys created");
  } finally {
    taken.close();
  }
});
