/**
 * `deno task keys`: manage API keys in the configured store (the key file, or Redis when
 * `SD_REDIS_URL` is set).
 *
 * ```sh
 * deno task keys create --kind secret --name backend
 * deno task keys create --kind publishable --origin https://example.com --name site
 * deno task keys list
 * deno task keys revoke <id>
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseConfig } from "../config.ts";
import type { KeyService } from "../services/keys/mod.ts";
import { openKeyService } from "../runtime/keys.ts";
import { isStartupError } from "../runtime/startup_errors.ts";

const USAGE = `Usage:
  npx -y deno@2.9.6 task keys create --kind secret|publishable [--name NAME] [--origin URL ...]
  npx -y deno@2.9.6 task keys list
  npx -y deno@2.9.6 task keys revoke ID`;

/** Runs the CLI with `args`; returns the exit code. */
export async function runKeysCli(args: string[], keys: KeyService): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kind: { type: "string", default: "secret" },
      name: { type: "string", default: "" },
      origin: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === "create") {
    const kind = values.kind;
    if (kind !== "secret" && kind !== "publishable") {
      console.error(`--kind must be 'secret' or 'publishable': current value is '${kind}'`);
      return 2;
    }
    const { key, record } = await keys.create(kind, { name: values.name, origins: values.origin });
    console.log(`Created ${kind} key ${record.id}${record.name ? ` (${record.name})` : ""}`);
    if (record.origins.length > 0) console.log(`Allowed origins: ${record.origins.join(", ")}`);
    console.log(`\n  ${key}\n\nStore it now: only its hash is kept.`);
    return 0;
  }
  if (command === "list") {
    const records = (await keys.list()).sort((a, b) => a.createdAt - b.createdAt);
    if (records.length === 0) console.log("No keys.");
    for (const r of records) {
      const state = r.revokedAt === undefined
        ? "active"
        : `revoked ${new Date(r.revokedAt).toISOString()}`;
      console.log(
        [r.id, r.kind.padEnd(11), r.preview, state, r.name, r.origins.join(",")].join("  ").trim(),
      );
    }
    return 0;
  }
  if (command === "revoke" && rest.length === 1) {
    const revoked = await keys.revoke(rest[0]!);
    console.log(revoked ? `Revoked ${rest[0]}` : `No active key ${rest[0]}`);
    return revoked ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}

if (import.meta.main) {
  let code = 1;
  try {
    const { keys, close } = await openKeyService(parseConfig(Deno.env.toObject()));
    try {
      code = await runKeysCli(Deno.args, keys);
    } finally {
      close();
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (isStartupError(error)) code = 2;
  }
  Deno.exit(code);
}
