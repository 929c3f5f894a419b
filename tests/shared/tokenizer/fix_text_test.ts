import assert from "node:assert/strict";
import { fixText } from "../../../shared/tokenizer/mod.ts";
import { readReferenceCases } from "./_load.ts";

const reference = await readReferenceCases();

Deno.test("fixText() repairs prompts exactly as ftfy 6.3.1 fix_text does", async (t) => {
  for (const c of reference.cases) {
    await t.step(JSON.stringify(c.text.slice(0, 60)), () => {
      assert.equal(fixText(c.text), c.fixed);
    });
  }
});

Deno.test("fixText() leaves text that needs no fixing alone", () => {
  for (const text of ["a photo of a cat", "café au lait", "一只可爱的猫", "a happy dog 🐶", ""]) {
    assert.equal(fixText(text), text);
  }
});

Deno.test("fixText() throws TypeError when the text is not a string", () => {
  assert.throws(() => fixText(7 as unknown as string), TypeError);
});
