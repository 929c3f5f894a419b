import assert from "node:assert/strict";
import { createTokenService } from "../../../functions/services/tokens.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

Deno.test("TokenService mints HS256 tokens that verify with their claims", async () => {
  const tokens = createTokenService(SECRET);
  const { token, expiresAt } = await tokens.mint("key1", {
    scopes: ["encode", "models"],
    ttlSeconds: 60,
    origins: ["https://a.example"],
  });
  assert.equal(JSON.parse(atob(token.split(".")[0]!)).alg, "HS256");
  const result = await tokens.verify(token);
  assert.deepEqual(result, {
    ok: true,
    claims: {
      keyId: "key1",
      scopes: ["encode", "models"],
      origins: ["https://a.example"],
      expiresAt,
    },
  });
});

Deno.test("TokenService reports expired, tampered and foreign tokens", async () => {
  const hourAgo = createTokenService(SECRET, { now: () => Date.now() - 3_600_000 });
  const { token } = await hourAgo.mint("key1", { scopes: ["encode"], ttlSeconds: 60 });
  const tokens = createTokenService(SECRET);
  assert.deepEqual(await tokens.verify(token), { ok: false, reason: "expired" });
  const fresh = (await tokens.mint("key1", { scopes: ["encode"], ttlSeconds: 60 })).token;
  const [h, p, s] = fresh.split(".");
  const tampered = `${h}.${p}x.${s}`;
  assert.deepEqual(await tokens.verify(tampered), { ok: false, reason: "invalid" });
  const other = createTokenService("another-secret-another-secret-0000");
  assert.deepEqual(await other.verify(fresh), { ok: false, reason: "invalid" });
  await assert.rejects(
    () => tokens.mint("key1", { scopes: ["encode"], ttlSeconds: 7200 }),
    /'ttlSeconds' must be in \[1, 3600\]: current value is 7200/,
  );
});

Deno.test("TokenService image signatures are bound to one job and are not access tokens", async () => {
  const tokens = createTokenService(SECRET);
  const sig = await tokens.signJobImages("job-a", "key1", 60);
  assert.deepEqual(await tokens.verifyJobImages(sig, "job-a"), {
    ok: true,
    claims: { keyId: "key1" },
  });
  assert.deepEqual(await tokens.verifyJobImages(sig, "job-b"), { ok: false, reason: "invalid" });
  assert.deepEqual(await tokens.verify(sig), { ok: false, reason: "invalid" });
});
