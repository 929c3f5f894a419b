/** Benchmarks of torch-compatible noise: the initial latents of one 512² and two 1024² images. */
import { randn } from "../../shared/rng/mod.ts";

let seed = 0;

Deno.bench("randn([1, 4, 64, 64]) (one 512 × 512 image)", { group: "randn" }, () => {
  randn([1, 4, 64, 64], seed++);
});

Deno.bench("randn([2, 4, 128, 128]) (two 1024 × 1024 images)", { group: "randn" }, () => {
  randn([2, 4, 128, 128], seed++);
});
