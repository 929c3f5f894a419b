import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { cpuSession } from "../../_ort.ts";
import { convertDiffusers } from "../../../models/convert/mod.ts";
import { verifyModel } from "../../../models/registry/mod.ts";
import { initializerBytes } from "../registry/_onnx.ts";
import { type Component, type Tensors, writeCheckpoint } from "./_checkpoint.ts";

/** Which ONNX files hold each checkpoint's tensors. */
const NETWORKS: Record<Component, string[]> = {
  unet: ["unet"],
  vae: ["vae_decoder", "vae_encoder"],
  text_encoder: ["text_encoder"],
};

async function withDirs(body: (src: string, work: string) => Promise<void>): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "convert-" });
  try {
    await body(`${work}/diffusers`, work);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

Deno.test("convertDiffusers() round trip: every safetensors tensor is an identical ONNX initializer", async () => {
  await withDirs(async (src, work) => {
    const written = await writeCheckpoint(src);
    const manifest = await convertDiffusers(src, `${work}/onnx`, { id: "round-trip" });
    for (const [component, tensors] of Object.entries(written) as [Component, Tensors][]) {
      const initializers = new Map<string, Uint8Array>();
      for (const network of NETWORKS[component]) {
        const model = await Deno.readFile(`${work}/onnx/${network}/model.onnx`);
        for (const [name, bytes] of initializerBytes(model)) initializers.set(name, bytes);
      }
      for (const [name, tensor] of Object.entries(tensors)) {
        assert.deepEqual(initializers.get(name), bytesOf(tensor.data), `${component}: ${name}`);
      }
    }
    assert.equal(manifest.id, "round-trip");
    assert.equal((await verifyModel(`${work}/onnx`, manifest)).ok, true);
    assert.deepEqual(await entries(`${work}/onnx`), [
      "manifest.json",
      "model_index.json",
      "scheduler",
      "text_encoder",
      "tokenizer",
      "unet",
      "vae_decoder",
      "vae_encoder",
    ]);
    const index = JSON.parse(await Deno.readTextFile(`${work}/onnx/model_index.json`));
    assert.equal(index._class_name, "OnnxStableDiffusionPipeline");
    assert.deepEqual(index.unet, ["diffusers", "OnnxRuntimeModel"]);
  });
});

async function rejectsNaming(
  edit: (component: Component, tensors: Tensors) => void,
  pattern: RegExp,
): Promise<void> {
  await withDirs(async (src, work) => {
    await writeCheckpoint(src, edit);
    await assert.rejects(convertDiffusers(src, `${work}/onnx`), pattern);
    // Nothing at the output path, no staging folder left behind.
    assert.deepEqual(await entries(work), ["diffusers"]);
  });
}

Deno.test("convertDiffusers() names a tensor missing from the checkpoint", async () => {
  await rejectsNaming(
    (component, tensors) => {
      if (component === "unet") delete tensors["mid_block.attentions.0.proj_out.weight"];
    },
    /Cannot convert 'unet' to unet: .*'mid_block\.attentions\.0\.proj_out\.weight'/,
  );
});

Deno.test("convertDiffusers() names a mis-shaped tensor and both shapes", async () => {
  await rejectsNaming(
    (component, tensors) => {
      if (component === "text_encoder") {
        tensors["text_model.final_layer_norm.weight"] = { shape: [31], data: new Float32Array(31) };
      }
    },
    /text_model\.final_layer_norm\.weight.*\[31\].*\[32\]/,
  );
});

Deno.test("convertDiffusers() names tensors the architecture does not use", async () => {
  await rejectsNaming(
    (component, tensors) => {
      if (component === "vae") {
        tensors["decoder.extra_block.weight"] = { shape: [2], data: new Float32Array(2) };
      }
    },
    /Cannot convert 'vae': 1 tensor\(s\) of .* are not used .*'decoder\.extra_block\.weight'/,
  );
});

Deno.test("convertDiffusers() accepts legacy VAE attention names and 1×1-conv shapes", async () => {
  const legacy: [string, string][] = [
    ["to_q", "query"],
    ["to_k", "key"],
    ["to_v", "value"],
    ["to_out.0", "proj_attn"],
  ];
  await withDirs(async (src, work) => {
    const written = await writeCheckpoint(src, (component, tensors) => {
      if (component === "text_encoder") {
        tensors["text_model.embeddings.position_ids"] = {
          shape: [1, 77],
          data: new Float32Array(77),
        };
      }
      if (component !== "vae") return;
      for (const [name, tensor] of Object.entries(tensors)) {
        for (const [current, old] of legacy) {
          if (!name.includes(`.attentions.0.${current}.`)) continue;
          delete tensors[name];
          const renamed = name.replace(`.${current}.`, `.${old}.`);
          const shape = tensor.shape.length === 2 ? [...tensor.shape, 1, 1] : tensor.shape;
          tensors[renamed] = { shape, data: tensor.data };
        }
      }
    });
    await convertDiffusers(src, `${work}/onnx`);
    const decoder = initializerBytes(await Deno.readFile(`${work}/onnx/vae_decoder/model.onnx`));
    const q = written.vae["decoder.mid_block.attentions.0.query.weight"]!;
    assert.deepEqual(decoder.get("decoder.mid_block.attentions.0.to_q.weight"), bytesOf(q.data));
  });
});

Deno.test("convertDiffusers() explains a missing folder, a pickle checkpoint and an existing output", async () => {
  await withDirs(async (src, work) => {
    await writeCheckpoint(src);
    await Deno.rename(`${src}/text_encoder/model.safetensors`, `${src}/text_encoder/model.bin`);
    await assert.rejects(
      convertDiffusers(src, `${work}/onnx`),
      /'text_encoder\/model\.safetensors' is missing \(only \.safetensors is read; 'text_encoder\/model\.bin' is a pickle\)/,
    );
    await assert.rejects(convertDiffusers(`${work}/nope`, `${work}/onnx`), /is not a directory/);
    await Deno.mkdir(`${work}/taken`);
    await assert.rejects(
      convertDiffusers(src, `${work}/taken`),
      /already exists \(pass --overwrite\)/,
    );
  });
});

/** Element types of a model's initializers by name, and the inputs of its Cast nodes. */
async function typesAndCasts(path: string) {
  const graph = onnxProto.onnx.ModelProto.decode(await Deno.readFile(path)).graph!;
  const types = new Map((graph.initializer ?? []).map((t) => [String(t.name), t.dataType]));
  const castInputs = (graph.node ?? []).filter((n) => n.opType === "Cast").map((n) => n.input![0]!);
  return { types, castInputs };
}

Deno.test("convertDiffusers() with float16 weights makes a float16 UNet and VAE and a float32-compute text encoder", async () => {
  await withDirs(async (src, work) => {
    const written = await writeCheckpoint(src);
    await convertDiffusers(src, `${work}/onnx`, { weightDType: "float16" });
    const FLOAT16 = 10;
    for (const [component, tensors] of Object.entries(written) as [Component, Tensors][]) {
      for (const network of NETWORKS[component]) {
        const { types, castInputs } = await typesAndCasts(`${work}/onnx/${network}/model.onnx`);
        const params = Object.keys(tensors).filter((name) => types.has(name));
        assert.ok(params.length > 0, network);
        assert.ok(params.every((name) => types.get(name) === FLOAT16), network);
        const castParams = castInputs.filter((name) => types.has(name));
        if (component === "text_encoder") assert.deepEqual(castParams.sort(), params.sort());
        else assert.deepEqual(castParams, [], `${network} casts an initializer`);
      }
    }
  });
});

/** How many MultiHeadAttention / Softmax nodes a model has, and its operator set domains. */
async function attentionOps(path: string) {
  const model = onnxProto.onnx.ModelProto.decode(await Deno.readFile(path));
  const nodes = model.graph!.node ?? [];
  const fused = nodes.filter((n) => n.opType === "MultiHeadAttention");
  return {
    fused: fused.length,
    fusedDomains: [...new Set(fused.map((n) => n.domain))],
    softmax: nodes.filter((n) => n.opType === "Softmax").length,
    domains: (model.opsetImport ?? []).map((o) => o.domain ?? "").sort(),
  };
}

Deno.test("convertDiffusers() fuses UNet and VAE attention for onnxruntime by default; fusedAttention: false keeps standard ops", async () => {
  await withDirs(async (src, work) => {
    await writeCheckpoint(src);
    await convertDiffusers(src, `${work}/fused`);
    await convertDiffusers(src, `${work}/standard`, { fusedAttention: false });
    for (const network of ["unet", "vae_decoder", "vae_encoder"]) {
      const fused = await attentionOps(`${work}/fused/${network}/model.onnx`);
      assert.ok(fused.fused > 0, `${network} has no MultiHeadAttention`);
      assert.deepEqual(fused.fusedDomains, ["com.microsoft"]);
      assert.equal(fused.softmax, 0, network);
      assert.deepEqual(fused.domains, ["", "com.microsoft"]);
      // onnxruntime accepts the contrib domain and has the op.
      const session = await cpuSession(`${work}/fused/${network}/model.onnx`);
      await session.release();
      const standard = await attentionOps(`${work}/standard/${network}/model.onnx`);
      assert.equal(standard.fused, 0, network);
      assert.equal(standard.softmax, fused.fused, `${network}: one Softmax per fused attention`);
      assert.deepEqual(standard.domains, [""]);
    }
    // The text encoder's causal attention is never fused.
    const clip = await attentionOps(`${work}/fused/text_encoder/model.onnx`);
    assert.equal(clip.fused, 0);
    assert.ok(clip.softmax > 0);
  });
});
