import assert from "node:assert/strict";
import { createTokenService } from "../../../functions/services/tokens.ts";
import { recordingEncoder } from "../_encoder.ts";
import { jsonPost, serveApp, testConfig, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

const APP_ORIGIN = "https://app.example";

async function setup() {
  const config = testConfig();
  const deps = await testDeps({
    config,
    queue: createInProcessQueue({ capacity: 16 }),
    encoder: recordingEncoder(),
  });
  const secret = await deps.keys.create("secret", { name: "server" });
  const publishable = await deps.keys.create("publishable", { origins: [APP_ORIGIN] });
  const server = serveApp(deps);
  return { deps, config, server, sk: secret.key, skId: secret.record.id, pk: publishable.key };
}

async function errorOf(res: Response) {
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
  return body.error as { code: string; type: string; message: string };
}

const encodeBody = { prompt: "a red circle" };

Deno.test("HTTP auth: missing, malformed and unknown keys get 401 in the error shape", async () => {
  const { server, sk } = await setup();
  try {
    const missing = await fetch(`${server.url}/v1/models`);
    assert.equal(missing.status, 401);
    assert.equal((await errorOf(missing)).code, "missing_api_key");
    const basic = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: "Basic abc" },
    });
    assert.equal(basic.status, 401);
    assert.equal((await errorOf(basic)).code, "invalid_authorization");
    const forged = sk.slice(0, -2) + (sk.endsWith("zz") ? "yy" : "zz");
    const unknown = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: `Bearer ${forged}` },
    });
    assert.equal(unknown.status, 401);
    const error = await errorOf(unknown);
    assert.equal(error.code, "invalid_api_key");
    assert.equal(error.type, "authentication_error");
    const ok = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: `Bearer ${sk}` },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const health = await fetch(`${server.url}/healthz`);
    assert.deepEqual(await health.json(), { status: "ok", models: ["tiny-sd"] });
  } finally {
    await server.close();
  }
});

Deno.test("HTTP auth: a publishable key works only from its allowed origin, with CORS headers", async () => {
  const { server, pk } = await setup();
  try {
    const absent = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, pk));
    assert.equal(absent.status, 403);
    assert.equal((await errorOf(absent)).code, "origin_required");

    const foreign = await fetch(
      `${server.url}/v1/encode`,
      jsonPost(encodeBody, pk, { Origin: "https://evil.example" }),
    );
    assert.equal(foreign.status, 403);
    assert.equal((await errorOf(foreign)).code, "origin_not_allowed");
    assert.equal(foreign.headers.get("Access-Control-Allow-Origin"), null);

    const allowed = await fetch(
      `${server.url}/v1/encode`,
      jsonPost(encodeBody, pk, { Origin: APP_ORIGIN }),
    );
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("Access-Control-Allow-Origin"), APP_ORIGIN);
    assert.match(allowed.headers.get("Vary") ?? "", /Origin/);
    assert.match(allowed.headers.get("Access-Control-Expose-Headers") ?? "", /RateLimit-Remaining/);
    assert.equal((await allowed.json()).shape[1], 77);

    const preflight = await fetch(`${server.url}/v1/encode`, {
      method: "OPTIONS",
      headers: {
        Origin: APP_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("Access-Control-Allow-Origin"), APP_ORIGIN);
    assert.match(preflight.headers.get("Access-Control-Allow-Headers") ?? "", /Authorization/);
    const foreignPreflight = await fetch(`${server.url}/v1/encode`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(foreignPreflight.headers.get("Access-Control-Allow-Origin"), null);
    await foreignPreflight.body?.cancel();

    const mint = await fetch(`${server.url}/v1/tokens`, jsonPost({}, pk, { Origin: APP_ORIGIN }));
    assert.equal(mint.status, 403);
    assert.equal((await errorOf(mint)).code, "insufficient_scope");
  } finally {
    await server.close();
  }
});

Deno.test("HTTP auth: tokens minted with a secret key work, honour scopes and origins, and expire", async () => {
  const { server, sk, skId, config } = await setup();
  try {
    const minted = await fetch(
      `${server.url}/v1/tokens`,
      jsonPost({ scopes: ["encode"], expires_in: 120, origins: [APP_ORIGIN] }, sk),
    );
    assert.equal(minted.status, 201);
    const { token, expires_at } = await minted.json();
    assert.ok(expires_at > Date.now() / 1000 + 100 && expires_at <= Date.now() / 1000 + 121);

    const used = await fetch(
      `${server.url}/v1/encode`,
      jsonPost(encodeBody, token, { Origin: APP_ORIGIN }),
    );
    assert.equal(used.status, 200);
    await used.body?.cancel();
    const wrongOrigin = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, token));
    assert.equal(wrongOrigin.status, 403);
    await wrongOrigin.body?.cancel();
    const outOfScope = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: `Bearer ${token}`, Origin: APP_ORIGIN },
    });
    assert.equal(outOfScope.status, 403);
    assert.equal((await errorOf(outOfScope)).code, "insufficient_scope");

    const past = createTokenService(config.jwtSecret!, { now: () => Date.now() - 3_600_000 });
    const expired = (await past.mint(skId, { scopes: ["encode"], ttlSeconds: 60 })).token;
    const late = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, expired));
    assert.equal(late.status, 401);
    assert.equal((await errorOf(late)).code, "token_expired");

    const tooLong = await fetch(`${server.url}/v1/tokens`, jsonPost({ expires_in: 86_400 }, sk));
    assert.equal(tooLong.status, 400);
    assert.equal((await errorOf(tooLong)).code, "invalid_value");
  } finally {
    await server.close();
  }
});

Deno.test("HTTP auth: a revoked key stops working, and so do its tokens", async () => {
  const { server, deps, sk, skId } = await setup();
  try {
    const { token } = await (await fetch(`${server.url}/v1/tokens`, jsonPost({}, sk))).json();
    const before = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, sk));
    assert.equal(before.status, 200);
    await before.body?.cancel();
    assert.equal(await deps.keys.revoke(skId), true);
    const after = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, sk));
    assert.equal(after.status, 401);
    assert.equal((await errorOf(after)).code, "key_revoked");
    const child = await fetch(`${server.url}/v1/encode`, jsonPost(encodeBody, token));
    assert.equal(child.status, 401);
    assert.equal((await errorOf(child)).code, "key_revoked");
  } finally {
    await server.close();
  }
});
