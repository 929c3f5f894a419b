import assert from "node:assert/strict";
import { ensureDevelopmentKeys } from "../../../functions/services/dev_keys.ts";
import { createKeyService, createMemoryKeyStore } from "../../../functions/services/keys/mod.ts";

Deno.test("deno task start creates and prints development keys only when none exist", async () => {
  const keys = createKeyService(createMemoryKeyStore());
  const first = (await ensureDevelopmentKeys(keys, 8123)).join("\n");
  const sk = /sk_[0-9A-Za-z]{48}/.exec(first)?.[0];
  const pk = /pk_[0-9A-Za-z]{48}/.exec(first)?.[0];
  assert.ok(sk && pk, first);
  assert.equal((await keys.verify(sk)).ok, true);
  const publishable = await keys.verify(pk);
  assert.ok(publishable.ok);
  assert.ok(publishable.record.origins.includes("http://localhost:8123"));
  const second = (await ensureDevelopmentKeys(keys, 8123)).join("\n");
  assert.doesNotMatch(second, /[sp]k_[0-9A-Za-z]{48}/);
  assert.match(second, /2 active/);
  assert.equal((await keys.list()).length, 2);
});
