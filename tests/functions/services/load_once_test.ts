import assert from "node:assert/strict";
import { LoadOnce } from "../../../functions/services/load_once.ts";

Deno.test("LoadOnce loads each key once for concurrent callers", async () => {
  const calls: string[] = [];
  const once = new LoadOnce(async (key) => {
    calls.push(key);
    await Promise.resolve();
    return `${key}!`;
  });
  const [a, b, c] = await Promise.all([once.get("x"), once.get("x"), once.get("y")]);
  assert.deepEqual([a, b, c], ["x!", "x!", "y!"]);
  assert.deepEqual(calls, ["x", "y"]);
  assert.deepEqual(await Promise.all(once.started()), ["x!", "y!"]);
});

Deno.test("LoadOnce forgets a failed load so the next call retries", async () => {
  let attempts = 0;
  const once = new LoadOnce((key) => {
    attempts += 1;
    return attempts === 1 ? Promise.reject(new Error(`no ${key} yet`)) : Promise.resolve(attempts);
  });
  await assert.rejects(once.get("m"), /no m yet/);
  assert.equal(once.started().length, 0);
  assert.equal(await once.get("m"), 2);
  assert.equal(await once.get("m"), 2);
  once.clear();
  assert.equal(await once.get("m"), 3);
});
