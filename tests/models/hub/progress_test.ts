import assert from "node:assert/strict";
import { createPullReporter, formatBytes } from "../../../models/hub/progress.ts";

Deno.test("formatBytes() uses binary units with one decimal", () => {
  assert.deepEqual(
    [0, 1023, 1024, 5_708_048, 3_438_167_536, 2 ** 40].map(formatBytes),
    ["0 B", "1023 B", "1.0 KB", "5.4 MB", "3.2 GB", "1.0 TB"],
  );
});

Deno.test("createPullReporter() prints one line per file when stderr is not a terminal", () => {
  let text = "";
  const report = createPullReporter({ write: (t) => void (text += t) });
  const commit = "0123456789abcdef0123456789abcdef01234567";
  report({ type: "resolve", repo: "org/m", revision: "main", commit, files: 2, bytes: 3 << 20 });
  report({ type: "download", path: "unet/model.onnx", loaded: 10, total: 20 });
  report({ type: "file", path: "unet/model.onnx", bytes: 20, cached: false });
  report({ type: "file", path: "model_index.json", bytes: 500, cached: true });
  assert.equal(
    text,
    "org/m@main → 0123456789ab: 2 files, 3.0 MB\n" +
      "  unet/model.onnx  20 B  downloaded\n" +
      "  model_index.json  500 B  cached\n",
  );
});

Deno.test("createPullReporter() on a terminal rewrites one line, at most every 100 ms", () => {
  const writes: string[] = [];
  let clock = 0;
  const report = createPullReporter({
    write: (t) => writes.push(t),
    terminal: true,
    now: () => clock,
  });
  const total = 4 << 20;
  for (const loaded of [1 << 20, 2 << 20]) {
    report({ type: "download", path: "unet/model.onnx", loaded, total });
    clock += 50;
  }
  clock += 100;
  report({ type: "download", path: "unet/model.onnx", loaded: total, total });
  report({ type: "file", path: "unet/model.onnx", bytes: total, cached: false });
  assert.deepEqual(writes, [
    "\r\x1b[K  unet/model.onnx   25%  1.0 MB",
    "\r\x1b[K  unet/model.onnx  100%  4.0 MB",
    "\r\x1b[K  unet/model.onnx  4.0 MB  downloaded\n",
  ]);
});
