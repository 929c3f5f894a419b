import assert from "node:assert/strict";
import { readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";
import { createClipTokenizer } from "../../../shared/tokenizer/mod.ts";
import {
  type Golden,
  readReferenceCases,
  shippedFiles,
  shippedPath,
  shippedTokenizer,
} from "./_load.ts";

const golden = await readFixtureJson<Golden>("clip/tokenizer_golden.json");
const reference = await readReferenceCases();
const tokenizer = await shippedTokenizer();

Deno.test("the shipped models/tokenizers/clip files are byte copies of the reference fixtures", async () => {
  for (const name of ["vocab.json", "merges.txt", "LICENSE"]) {
    const shipped = await Deno.readFile(shippedPath(name));
    assert.deepEqual(shipped, await readFixtureBytes(`clip/${name}`), name);
  }
});

Deno.test("bosTokenId and eosTokenId are the golden <|startoftext|> and <|endoftext|> ids", () => {
  assert.equal(tokenizer.bosTokenId, golden.bos);
  assert.equal(tokenizer.eosTokenId, golden.eos);
  assert.equal(tokenizer.vocabSize, 49408);
});

Deno.test("encode() gives the golden ids of openai/CLIP simple_tokenizer.py", async (t) => {
  for (const [index, c] of golden.cases.entries()) {
    await t.step(
      `case ${index}${c.ftfy_changes ? " (ftfy)" : ""}: ${JSON.stringify(c.text)}`,
      () => {
        assert.deepEqual(tokenizer.encode(c.text), c.ids);
      },
    );
  }
});

Deno.test("inputIds() gives the golden input_ids_77, truncating after 75 BPE ids", async (t) => {
  for (const [index, c] of golden.cases.entries()) {
    await t.step(`case ${index}: ${JSON.stringify(c.text.slice(0, 40))}`, () => {
      const ids = tokenizer.inputIds(c.text);
      assert.ok(ids instanceof Int32Array);
      assert.deepEqual(Array.from(ids), c.input_ids_77);
      assert.equal(tokenizer.encode(c.text).length > golden.max_length - 2, c.truncated);
    });
  }
});

Deno.test("encode() matches the reference on mojibake, entities, odd whitespace and case", async (t) => {
  for (const c of reference.cases) {
    await t.step(JSON.stringify(c.text.slice(0, 60)), () => {
      assert.deepEqual(tokenizer.encode(c.text), c.ids);
    });
  }
});

Deno.test("decode() gives the reference's text back, one space per word end", () => {
  for (const c of reference.cases) assert.equal(tokenizer.decode(c.ids), c.decoded, c.text);
  assert.equal(tokenizer.decode([golden.bos, golden.eos]), "<|startoftext|><|endoftext|>");
  assert.throws(() => tokenizer.decode([49408]), RangeError);
  assert.throws(() => tokenizer.decode([1.5]), RangeError);
});

Deno.test("inputIds() pads with <|endoftext|> to 77 and always ends the prompt with it", () => {
  const short = tokenizer.inputIds("a photo of a cat");
  assert.equal(short.length, 77);
  assert.deepEqual(Array.from(short.slice(0, 7)), [
    golden.bos,
    320,
    1125,
    539,
    320,
    2368,
    golden.eos,
  ]);
  assert.ok(short.slice(7).every((id) => id === golden.pad));
  const empty = tokenizer.inputIds("");
  assert.deepEqual(Array.from(empty.slice(0, 2)), [golden.bos, golden.eos]);
  const long = tokenizer.inputIds("cat ".repeat(200));
  assert.equal(long.length, 77);
  assert.equal(long[76], golden.eos);
  assert.ok(long.slice(1, 76).every((id) => id === 2368));
});

Deno.test("inputIds() honours a custom maxLength and padTokenId", () => {
  const ids = tokenizer.encode("a painting of a fox in the style of van gogh");
  assert.deepEqual(
    Array.from(tokenizer.inputIds("a painting of a fox in the style of van gogh", {
      maxLength: 16,
      padTokenId: 0,
    })),
    [golden.bos, ...ids, golden.eos, ...new Array(16 - ids.length - 2).fill(0)],
  );
  assert.deepEqual(
    Array.from(tokenizer.inputIds("a painting of a fox", { maxLength: 4 })),
    [golden.bos, ...ids.slice(0, 2), golden.eos],
  );
  assert.deepEqual(Array.from(tokenizer.inputIds("a fox", { maxLength: 2 })), [
    golden.bos,
    golden.eos,
  ]);
  assert.deepEqual(Array.from(tokenizer.inputIds("a", { maxLength: 5, padTokenId: 7 })), [
    golden.bos,
    320,
    golden.eos,
    7,
    7,
  ]);
});

Deno.test("inputIds() rejects a bad maxLength or padTokenId with RangeError", () => {
  for (const maxLength of [1, 0, -3, 2.5, NaN, Infinity]) {
    assert.throws(() => tokenizer.inputIds("a cat", { maxLength }), RangeError, `${maxLength}`);
  }
  for (const padTokenId of [-1, 0.5, NaN, 2 ** 31]) {
    assert.throws(() => tokenizer.inputIds("a cat", { padTokenId }), RangeError, `${padTokenId}`);
  }
});

Deno.test("encode() and inputIds() throw TypeError when the text is not a string", () => {
  for (const text of [undefined, null, 42, ["a cat"], { text: "a cat" }]) {
    assert.throws(() => tokenizer.encode(text as unknown as string), TypeError);
    assert.throws(() => tokenizer.inputIds(text as unknown as string), TypeError);
  }
});

Deno.test("createClipTokenizer() throws TypeError naming what the files lack", async () => {
  const { vocab, merges } = await shippedFiles();
  const without = (token: string) => {
    const copy = { ...vocab };
    delete copy[token];
    return copy;
  };
  const create = (options: unknown) => () =>
    createClipTokenizer(options as Parameters<typeof createClipTokenizer>[0]);
  assert.throws(create({ vocab: without("<|endoftext|>"), merges }), {
    name: "TypeError",
    message: /no entry for "<\|endoftext\|>"/,
  });
  assert.throws(create({ vocab: without("<|startoftext|>"), merges }), /<\|startoftext\|>/);
  assert.throws(create({ vocab: without("a</w>"), merges }), { message: /"a<\/w>"/ });
  assert.throws(create({ vocab: without("th"), merges }), { message: /"th" \(merges line 3\)/ });
  assert.throws(create({ vocab: { ...vocab, a: -1 }, merges }), TypeError);
  assert.throws(create({ vocab: { ...vocab, a: "64" }, merges }), TypeError);
  assert.throws(create({ vocab: [], merges }), TypeError);
  assert.throws(create({ vocab: null, merges }), TypeError);
  assert.throws(create({ vocab, merges: 3 }), TypeError);
  assert.throws(create({ vocab, merges: "#version: 0.2\ni n\nthree parts here\n" }), {
    name: "TypeError",
    message: /line 3 must hold two symbols/,
  });
  assert.throws(create(null), TypeError);
  assert.throws(create({ vocab, merges, cacheSize: -1 }), RangeError);
});

Deno.test("a tokenizer with a partial merge list merges only by the ranks it has", async () => {
  const { vocab, merges } = await shippedFiles();
  // Ranks: "i n" 0, "t h" 1. In "thin" the last n carries </w>, so only t+h merges; "inn" → in, n</w>.
  const few = createClipTokenizer({ vocab, merges: merges.split("\n").slice(0, 3).join("\n") });
  assert.deepEqual(few.encode("thin inn"), [
    vocab["th"],
    vocab["i"],
    vocab["n</w>"],
    vocab["in"],
    vocab["n</w>"],
  ]);
});

Deno.test("encode() gives the same ids with the BPE memo on, off, or holding one word", async () => {
  const off = await shippedTokenizer({ cacheSize: 0 });
  const tiny = await shippedTokenizer({ cacheSize: 1 });
  for (const c of [...golden.cases, ...reference.cases]) {
    const first = tokenizer.encode(c.text);
    assert.deepEqual(tokenizer.encode(c.text), first);
    assert.deepEqual(off.encode(c.text), first);
    assert.deepEqual(tiny.encode(c.text), first);
  }
});
