/**
 * CLIP tokenizer throughput: one typical 20-word prompt through `inputIds()` (ftfy, unescaping,
 * splitting, BPE, padding to 77), with the per-word BPE memo warm and with it turned off, plus
 * building a tokenizer from the shipped files. Iterations per second = prompts per second.
 */

import { createClipTokenizer } from "../../shared/tokenizer/mod.ts";

const dir = new URL("../../models/tokenizers/clip/", import.meta.url);
const files = {
  vocab: JSON.parse(await Deno.readTextFile(new URL("vocab.json", dir))),
  merges: await Deno.readTextFile(new URL("merges.txt", dir)),
};
const PROMPT = "majestic red fox sitting in a snowy forest at golden hour, " +
  "highly detailed digital painting, soft light, trending on artstation";

const cached = createClipTokenizer(files);
cached.inputIds(PROMPT);
const uncached = createClipTokenizer({ ...files, cacheSize: 0 });

Deno.bench(
  "inputIds() of a 20-word prompt, BPE memo warm",
  { group: "prompt", baseline: true },
  () => {
    cached.inputIds(PROMPT);
  },
);

Deno.bench("inputIds() of a 20-word prompt, BPE memo off", { group: "prompt" }, () => {
  uncached.inputIds(PROMPT);
});

Deno.bench("createClipTokenizer() from vocab.json and merges.txt", { n: 20 }, () => {
  createClipTokenizer(files);
});
