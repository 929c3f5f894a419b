import assert from "node:assert/strict";
import { type Backend, createBackend, type ModelSession } from "../../../shared/ort/mod.ts";
import { loadPipeline, type PipelineEvent } from "../../../shared/pipeline/mod.ts";
import { readReferenceFile, referenceManifest } from "./_reference.ts";

function recordingBackend(backend: Backend): { backend: Backend; sessions: ModelSession[] } {
  const sessions: ModelSession[] = [];
  return {
    sessions,
    backend: {
      device: backend.device,
      runtime: backend.runtime,
      attempts: backend.attempts,
      async createSession(source, options) {
        const session = await backend.createSession(source, options);
        sessions.push(session);
        return session;
      },
      gpuDevice: () => backend.gpuDevice(),
      dispose: () => backend.dispose(),
    },
  };
}

const tinyRun = (session: ModelSession) =>
  session.run({ input_ids: { data: new Int32Array(77), dims: [1, 77] } });

Deno.test(
  "loadPipeline() loads the three networks in order and dispose() releases them",
  async () => {
    const backend = await createBackend({ devices: ["cpu"] });
    try {
      const events: PipelineEvent[] = [];
      const manifest = await referenceManifest();
      const pipeline = await loadPipeline(manifest, {
        backend,
        readFile: readReferenceFile,
        onProgress: (e) => events.push(e),
      });
      assert.deepEqual(events, [
        { type: "load", component: "text_encoder", loaded: 1, total: 3 },
        { type: "load", component: "unet", loaded: 2, total: 3 },
        { type: "load", component: "vae_decoder", loaded: 3, total: 3 },
      ]);
      assert.equal(pipeline.device, "cpu");
      assert.deepEqual(pipeline.unet.inputs, manifest.components.unet.inputs);
      assert.equal(pipeline.tokenizer.inputIds("a red circle", { maxLength: 77 }).length, 77);
      await tinyRun(pipeline.textEncoder);
      await pipeline.dispose();
      await assert.rejects(tinyRun(pipeline.textEncoder), /released session/);
    } finally {
      await backend.dispose();
    }
  },
);

Deno.test("loadPipeline() releases what it loaded when a later file fails", async () => {
  const real = await createBackend({ devices: ["cpu"] });
  try {
    const { backend, sessions } = recordingBackend(real);
    await assert.rejects(
      loadPipeline(await referenceManifest(), {
        backend,
        readFile: (path) =>
          path.startsWith("vae_decoder/")
            ? Promise.reject(new Error(`${path} is missing`))
            : readReferenceFile(path),
      }),
      /vae_decoder\/model.onnx is missing/,
    );
    assert.equal(sessions.length, 2);
    await assert.rejects(tinyRun(sessions[0]!), /released session/);
  } finally {
    await real.dispose();
  }
});

Deno.test("loadPipeline() with an aborted signal reads nothing", async () => {
  const backend = await createBackend({ devices: ["cpu"] });
  try {
    const reads: string[] = [];
    await assert.rejects(
      loadPipeline(await referenceManifest(), {
        backend,
        readFile: (path) => {
          reads.push(path);
          return readReferenceFile(path);
        },
        signal: AbortSignal.abort(),
      }),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.deepEqual(reads, []);
  } finally {
    await backend.dispose();
  }
});
