import assert from "node:assert/strict";
import { htmlUnescape } from "../../../shared/tokenizer/_html_unescape.ts";
import { readReferenceCases } from "./_load.ts";

const reference = await readReferenceCases();

Deno.test("htmlUnescape() matches Python html.unescape, legacy and invalid references included", async (t) => {
  for (const c of reference.unescape) {
    await t.step(JSON.stringify(c.text), () => assert.equal(htmlUnescape(c.text), c.unescaped));
  }
});

Deno.test("htmlUnescape() returns text without & unchanged", () => {
  const text = "no references here";
  assert.equal(htmlUnescape(text), text);
});
