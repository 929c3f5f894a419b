import assert from "node:assert/strict";

const SCRIPT = new URL("./_watch_parents.ts", import.meta.url).pathname;
const LAUNCHER = new URL("./_launcher.sh", import.meta.url).pathname;

/**
 * Starts the watcher two shells below a launcher process titled `title` (npm titles its process
 * `npm exec …`), kills the launcher with SIGKILL (the shell between stays alive) and returns
 * what the watcher printed within `waitMs`.
 */
async function killLauncher(title: string, waitMs: number): Promise<string> {
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      'exec -a "$0" bash "$1" "$2"',
      title,
      LAUNCHER,
      `${Deno.execPath()} run -A ${SCRIPT}`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/watching \d+\n/.test(out)) out += (await reader.read()).value ?? "";
  const watcher = Number(/watching (\d+)/.exec(out)![1]);
  child.kill("SIGKILL");
  await child.status;
  const deadline = Date.now() + waitMs;
  while (!out.includes("gone") && Date.now() < deadline) {
    const next = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now())),
    ]);
    if (next === null || next.done) break;
    out += next.value;
  }
  try {
    Deno.kill(watcher, "SIGKILL");
  } catch {
    // It stopped by itself.
  }
  await reader.cancel();
  return out;
}

Deno.test({
  name: "watchParents() fires when the npm launcher two processes up exits",
  ignore: Deno.build.os !== "linux",
  async fn() {
    assert.match(await killLauncher("npm exec deno@2.9.6 task start", 10_000), /gone/);
  },
});

Deno.test({
  name: "watchParents() ignores an exited grandparent that is not an npm launcher",
  ignore: Deno.build.os !== "linux",
  async fn() {
    assert.doesNotMatch(await killLauncher("bash", 1_000), /gone/);
  },
});
