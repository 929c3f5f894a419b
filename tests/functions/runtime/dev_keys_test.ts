import assert from "node:assert/strict";
import { ensureDevelopmentKeys } from "../../../functions/runtime/dev_keys.ts";
import { createKeyService, createMemoryKeyStore } from "../../../functions/services/keys/mod.ts";
import { createTokenService } from "../../../functions/services/tokens.ts";

const tokens = createTokenService("a-development-secret-of-32-characters!");
const options = { tokens, ttlSeconds: 600 };

Deno.test("deno task start creates and prints development keys only when none exist", async () => {
  const keys = createKeyService(createMemoryKeyStore());
  const first = await ensureDevelopmentKeys(keys, 8123, options);
  const text = first.lines.join("\n");
  const sk = /sk_[0-9A-Za-z]{48}/.exec(text)?.[0];
  const pk = /pk_[0-9A-Za-z]{48}/.exec(text)?.[0];
  assert.ok(sk && pk, text);
  assert.equal(first.demoKey, pk, "the demo page opens with the publishable key");
  assert.equal((await keys.verify(sk)).ok, true);
  const publishable = await keys.verify(pk);
  assert.ok(publishable.ok);
  assert.ok(publishable.record.origins.includes("http://localhost:8123"));
  const second = await ensureDevelopmentKeys(keys, 8123, options);
  assert.doesNotMatch(second.lines.join("\n"), /[sp]k_[0-9A-Za-z]{48}/);
  assert.match(second.lines.join("\n"), /2 active/);
  assert.equal((await keys.list()).length, 2);
});

Deno.test("later runs open the demo page with a token of the secret key, scoped and local", async () => {
  const keys = createKeyService(createMemoryKeyStore());
  await ensureDevelopmentKeys(keys, 8123, options);
  const { demoKey, lines } = await ensureDevelopmentKeys(keys, 8123, options);
  assert.match(lines.join("\n"), /valid for 10 min/);
  const verified = await tokens.verify(demoKey!);
  assert.ok(verified.ok);
  const secret = (await keys.list()).find((r) => r.kind === "secret")!;
  assert.equal(verified.claims.keyId, secret.id);
  assert.deepEqual(verified.claims.scopes, ["models", "encode", "generate", "jobs"]);
  assert.deepEqual(verified.claims.origins, ["http://localhost:8123", "http://127.0.0.1:8123"]);
  await keys.revoke(secret.id);
  const none = await ensureDevelopmentKeys(keys, 8123, options);
  assert.equal(none.demoKey, undefined, "no active secret key, no token");
});
