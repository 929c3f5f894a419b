/**
 * The first step of every `deno task`: installs the npm packages `deno.json` pins into
 * `node_modules/` behind one progress line, or does nothing (no output, no network) when they are
 * already there. `deno.json` sets `"nodeModulesDir": "manual"`, so Deno itself never installs
 * while it runs a task (in `"auto"` mode `deno task` prints a "Download …"/"Initialize …" line per
 * package before the task's command starts); this step runs `deno install` with its output
 * captured and shows that output only when the install fails.
 *
 * Usage: `deno run -A functions/cli/install.ts [project folder]` (the repository by default).
 *
 * @module
 */

/** An npm package `deno.json` pins (`"hono": "npm:hono@4.13.19"`). */
export interface PinnedPackage {
  /** The package name, scope included (`@huggingface/hub`). */
  name: string;
  /** The exact version pinned. */
  version: string;
}

/** The npm packages a `deno.json` text pins in its `imports`, each once. */
export function pinnedPackages(denoJson: string): PinnedPackage[] {
  const imports = (JSON.parse(denoJson) as { imports?: Record<string, string> }).imports ?? {};
  const seen = new Map<string, PinnedPackage>();
  for (const target of Object.values(imports)) {
    const match = /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)@([^/]+)\/?$/.exec(target);
    if (match) seen.set(`${match[1]}@${match[2]}`, { name: match[1]!, version: match[2]! });
  }
  return [...seen.values()];
}

/**
 * The packages of `packages` that `<root>/node_modules/` lacks or holds at another version.
 *
 * @example Nothing to install in a set-up checkout
 * ```ts ignore
 * const denoJson = await Deno.readTextFile("deno.json");
 * missingPackages(".", pinnedPackages(denoJson)); // []
 * ```
 */
export function missingPackages(root: string, packages: readonly PinnedPackage[]): string[] {
  return packages.filter(({ name, version }) => {
    try {
      const text = Deno.readTextFileSync(`${root}/node_modules/${name}/package.json`);
      return (JSON.parse(text) as { version?: string }).version !== version;
    } catch {
      return true;
    }
  }).map(({ name, version }) => `${name}@${version}`);
}

/** Runs `deno install` in `root` with its output captured: `ok`, and the log for a failure. */
async function denoInstall(root: string): Promise<{ ok: boolean; log: string }> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["install"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { ok: success, log: decoder.decode(stdout) + decoder.decode(stderr) };
}

/**
 * Installs what `root`'s `deno.json` pins when `node_modules/` lacks any of it, printing one line;
 * prints nothing when all is there. Returns the exit code.
 */
export async function ensureNpmPackages(root: string): Promise<number> {
  const missing = missingPackages(
    root,
    pinnedPackages(await Deno.readTextFile(`${root}/deno.json`)),
  );
  if (missing.length === 0) return 0;
  const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));
  write("Installing npm packages (first run, once)… ");
  const started = performance.now();
  const { ok, log } = await denoInstall(root);
  if (ok) {
    write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  }
  write("failed\n");
  console.error(log.trimEnd());
  console.error(
    `Cannot install the npm packages deno.json pins (${missing.length} missing): 'deno install' failed (log above). ` +
      `They are fetched from the npm registry once; retry when it is reachable.`,
  );
  return 1;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("../..", import.meta.url).pathname;
  Deno.exit(await ensureNpmPackages(root.replace(/\/$/, "")));
}
