import assert from "node:assert/strict";
import {
  createFileKeyStore,
  createKeyService,
  createMemoryKeyStore,
  generateKey,
  hashKey,
  parseKey,
  timingSafeEqual,
} from "../../../functions/services/keys/mod.ts";

Deno.test("generateKey() makes sk_/pk_ keys that parseKey() splits into kind and id", () => {
  const secret = generateKey("secret");
  const publishable = generateKey("publishable");
  assert.match(secret.key, /^sk_[0-9A-Za-z]{48}$/);
  assert.match(publishable.key, /^pk_[0-9A-Za-z]{48}$/);
  assert.deepEqual(parseKey(secret.key), { kind: "secret", id: secret.id });
  assert.deepEqual(parseKey(publishable.key), { kind: "publishable", id: publishable.id });
  assert.notEqual(generateKey("secret").key, secret.key);
  assert.equal(parseKey("sk_short"), null);
  assert.equal(parseKey(`xk_${"a".repeat(48)}`), null);
});

Deno.test("hashKey() is SHA-256 hex (FIPS 180-2 'abc' vector)", async () => {
  assert.equal(
    await hashKey("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("timingSafeEqual() compares whole strings, lengths included", () => {
  assert.equal(timingSafeEqual("abc", "abc"), true);
  assert.equal(timingSafeEqual("abc", "abd"), false);
  assert.equal(timingSafeEqual("abc", "abcd"), false);
  assert.equal(timingSafeEqual("", ""), true);
});

Deno.test("KeyService stores only hashes and verifies, rejects and revokes keys", async () => {
  const store = createMemoryKeyStore();
  const keys = createKeyService(store, { originCacheMs: 0 });
  const { key, record } = await keys.create("secret", { name: "server" });
  assert.equal(record.hash, await hashKey(key));
  assert.ok(!JSON.stringify(await store.list()).includes(key.slice(3 + 16)));
  assert.deepEqual(await keys.verify(key), { ok: true, record });
  const forged = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
  assert.deepEqual(await keys.verify(forged), { ok: false, reason: "unknown" });
  assert.deepEqual(await keys.verify("garbage"), { ok: false, reason: "malformed" });
  assert.equal(await keys.revoke(record.id), true);
  assert.equal(await keys.revoke(record.id), false);
  assert.deepEqual(await keys.verify(key), { ok: false, reason: "revoked" });
});

Deno.test("KeyService requires origins for publishable keys and knows their origins", async () => {
  const keys = createKeyService(createMemoryKeyStore(), { originCacheMs: 0 });
  await assert.rejects(() => keys.create("publishable"), TypeError);
  await assert.rejects(
    () => keys.create("publishable", { origins: ["https://a.example/path"] }),
    /must hold origins/,
  );
  const { record } = await keys.create("publishable", { origins: ["https://a.example"] });
  assert.equal(await keys.isKnownOrigin("https://a.example"), true);
  assert.equal(await keys.isKnownOrigin("https://b.example"), false);
  await keys.revoke(record.id);
  assert.equal(await keys.isKnownOrigin("https://a.example"), false);
});

Deno.test("createFileKeyStore() persists records and sees a revocation made by another process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nested/keys.json`;
    const server = createKeyService(createFileKeyStore(path));
    const { key, record } = await server.create("secret", { name: "ci" });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await server.verify(key)).ok, true);
    // A second store on the same file plays `deno task keys revoke` in another process.
    await new Promise((r) => setTimeout(r, 20)); // distinct mtime
    assert.equal(await createKeyService(createFileKeyStore(path)).revoke(record.id), true);
    assert.deepEqual(await server.verify(key), { ok: false, reason: "revoked" });
    const text = await Deno.readTextFile(path);
    assert.ok(!text.includes(key));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
