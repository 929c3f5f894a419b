/**
 * The install step every `deno task` runs first (`functions/cli/install.ts`), as a real process:
 * silent when `node_modules/` is complete, one line plus Deno's log and a readable error when the
 * packages cannot be fetched.
 */
import assert from "node:assert/strict";
import { missingPackages, pinnedPackages } from "../../../functions/cli/install.ts";

const SCRIPT = new URL("../../../functions/cli/install.ts", import.meta.url).pathname;
const ROOT = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");

async function runInstall(root: string, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, root],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("pinnedPackages() lists each npm pin of deno.json once, scoped names included", () => {
  const denoJson = JSON.stringify({
    imports: {
      "@huggingface/hub": "npm:@huggingface/hub@2.17.5",
      "hono": "npm:hono@4.13.19",
      "hono/": "npm:/hono@4.13.19/",
      "remote": "https://example.com/mod.ts",
      "local": "./local.ts",
    },
  });
  assert.deepEqual(pinnedPackages(denoJson), [
    { name: "@huggingface/hub", version: "2.17.5" },
    { name: "hono", version: "4.13.19" },
  ]);
});

Deno.test("missingPackages() names the pins node_modules lacks or holds at another version", async () => {
  const root = await Deno.makeTempDir({ prefix: "sd-install-" });
  try {
    for (const [name, version] of [["hono", "4.13.19"], ["@scope/old", "1.0.0"]] as const) {
      await Deno.mkdir(`${root}/node_modules/${name}`, { recursive: true });
      await Deno.writeTextFile(
        `${root}/node_modules/${name}/package.json`,
        `{"version":"${version}"}`,
      );
    }
    const pins = [
      { name: "hono", version: "4.13.19" },
      { name: "@scope/old", version: "2.0.0" },
      { name: "absent", version: "1.0.0" },
    ];
    assert.deepEqual(missingPackages(root, pins), ["@scope/old@2.0.0", "absent@1.0.0"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the install step prints nothing and exits 0 when node_modules holds every pin", async () => {
  // The test task runs the install step first, so this checkout's node_modules is complete.
  const run = await runInstall(ROOT);
  assert.deepEqual(run, { code: 0, stdout: "", stderr: "" });
});

Deno.test("the install step prints one line, Deno's log and a readable error when the registry is unreachable", async () => {
  const root = await Deno.makeTempDir({ prefix: "sd-install-" });
  try {
    await Deno.writeTextFile(
      `${root}/deno.json`,
      JSON.stringify({ nodeModulesDir: "manual", imports: { "left-pad": "npm:left-pad@1.3.0" } }),
    );
    // An empty DENO_DIR and a registry on a closed loopback port: nothing can be fetched.
    const run = await runInstall(root, {
      DENO_DIR: `${root}/deno_dir`,
      NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
    });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "Installing npm packages (first run, once)… failed\n");
    assert.match(run.stderr, /left-pad/, "Deno's own log is shown");
    assert.match(
      run.stderr.trimEnd().split("\n").at(-1)!,
      /^Cannot install the npm packages .*\(1 missing\): 'deno install' failed/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
