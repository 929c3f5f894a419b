/**
 * `deno task bench --quick` (what CI runs) completes and writes a results file of the documented
 * shape. Timings are never asserted: only structure (keys, units, min ≤ median ≤ max).
 */
import assert from "node:assert/strict";
import { RESULTS_SCHEMA } from "./suite.ts";

const SUITE = new URL("./suite.ts", import.meta.url).pathname;

Deno.test("bench suite --quick writes results.json with machine, versions, figures", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sd-bench-test-" });
  try {
    const out = `${dir}/results.json`;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SUITE, "--quick", "--out", out, "--cache-dir", `${dir}/cache`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const errors = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `the suite failed:\n${errors.slice(-2000)}`);
    const results = JSON.parse(await Deno.readTextFile(out));

    assert.equal(results.schema, RESULTS_SCHEMA);
    assert.equal(results.mode, "quick");
    for (const key of ["cpu", "cores", "memoryBytes", "os", "kernel", "arch", "gpu"]) {
      assert.ok(key in results.machine, `machine.${key}`);
    }
    assert.ok(results.machine.cores >= 1);
    for (const key of ["deno", "v8", "onnxruntimeNode", "onnxruntimeWeb", "date"]) {
      assert.equal(typeof results.versions[key], "string", `versions.${key}`);
    }
    assert.ok(!Number.isNaN(Date.parse(results.versions.date)));
    assert.deepEqual(
      results.backends.map((b: { name: string }) => b.name),
      ["cpu", "wasm", "webgpu"],
    );
    for (const backend of results.backends) {
      assert.ok(backend.available || typeof backend.reason === "string", backend.name);
    }
    assert.ok(Array.isArray(results.skipped));
    for (const s of results.skipped) assert.equal(typeof s.reason, "string", s.id);
    assert.equal(
      results.skipped.filter((s: { id: string }) => s.id.startsWith("section.")).length,
      0,
      `no section may fail: ${JSON.stringify(results.skipped)}`,
    );

    assert.ok(results.figures.length > 10, "expected figures from every section");
    const ids = new Set<string>();
    for (const f of results.figures) {
      assert.ok(!ids.has(f.id), `figure ids are unique: ${f.id}`);
      ids.add(f.id);
      for (const key of ["label", "group", "backend", "unit"]) {
        assert.equal(typeof f[key], "string", `${f.id}.${key}`);
      }
      assert.equal(f.samples.length, f.repeats, f.id);
      assert.ok(f.min <= f.median && f.median <= f.max, `${f.id}: min ≤ median ≤ max`);
      if (f.gflops) assert.ok(f.flops > 0, `${f.id} has FLOPs behind its GFLOP/s`);
    }
    for (const id of ["limit.matmul.cpu", "unet.tiny.8.cpu", "pipeline.overhead.tiny.cpu"]) {
      assert.ok(ids.has(id), `figure ${id}`);
    }
    const edge = results.figures.filter((f: { group: string }) => f.group === "edge");
    assert.ok(edge.length > 0, "figures of the edge section");
    for (const f of edge) {
      assert.equal(f.details.model, "tiny-sd", `${f.id} names the served model`);
      assert.ok(f.id.startsWith("edge.encode.tiny."), `${f.id} carries the model size`);
    }
    assert.ok(results.limits.cpu > 0);
    assert.ok(Object.keys(results.profiles).length > 0, "a profile of the UNet step");

    const table = new TextDecoder().decode(stdout);
    assert.match(table, /\| figure \| backend \| median \| min \| max \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
