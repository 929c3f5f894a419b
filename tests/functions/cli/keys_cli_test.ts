import assert from "node:assert/strict";
import { runKeysCli } from "../../../functions/cli/keys.ts";
import { createKeyService, createMemoryKeyStore } from "../../../functions/services/keys/mod.ts";

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  console.error = console.log;
  try {
    return { code: await fn(), out: lines.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("deno task keys: create prints a working key once, list shows it, revoke ends it", async () => {
  const keys = createKeyService(createMemoryKeyStore());
  const created = await capture(() =>
    runKeysCli([
      "create",
      "--kind",
      "publishable",
      "--name",
      "site",
      "--origin",
      "https://a.example",
    ], keys)
  );
  assert.equal(created.code, 0);
  const key = /\b(pk_[0-9A-Za-z]{48})\b/.exec(created.out)?.[1];
  assert.ok(key, created.out);
  const verified = await keys.verify(key);
  assert.ok(verified.ok);
  assert.deepEqual(verified.record.origins, ["https://a.example"]);

  const listed = await capture(() => runKeysCli(["list"], keys));
  assert.match(
    listed.out,
    new RegExp(`${verified.record.id}\\s+publishable.*active.*site.*https://a\\.example`),
  );
  assert.ok(!listed.out.includes(key), "list never shows a key");

  const revoked = await capture(() => runKeysCli(["revoke", verified.record.id], keys));
  assert.equal(revoked.code, 0);
  assert.deepEqual(await keys.verify(key), { ok: false, reason: "revoked" });
  assert.equal((await capture(() => runKeysCli(["revoke", verified.record.id], keys))).code, 1);
  assert.equal((await capture(() => runKeysCli(["create", "--kind", "admin"], keys))).code, 2);
  assert.equal(
    (await capture(() => runKeysCli(["create", "--kind", "publishable"], keys).catch(() => 3)))
      .code,
    3,
  );
});
