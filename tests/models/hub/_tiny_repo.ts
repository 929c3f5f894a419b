/**
 * The files of a small ONNX Stable Diffusion hub repository for the download tests, taken from
 * the tiny reference model's ONNX layout. The UNet is re-saved with its weights in ONNX external
 * data (`unet/model.onnx` + `unet/model.onnx_data`), the way large exports ship.
 */

import onnxProto from "onnx-proto";
import { fixturePath } from "../../_fixtures.ts";
import type { HubFile } from "./_hub_server.ts";

const { onnx } = onnxProto;

const REFERENCE = "models/tiny-sd-reference";

const PLAIN = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "tokenizer/special_tokens_map.json",
  "tokenizer/tokenizer_config.json",
  "text_encoder/config.json",
  "unet/config.json",
  "vae_decoder/config.json",
];

/** Moves every initializer's raw data into one external data file named `location`. */
export function externalize(model: Uint8Array, location: string): {
  model: Uint8Array;
  data: Uint8Array;
} {
  const proto = onnx.ModelProto.decode(model);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of proto.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw || raw.byteLength === 0) continue;
    chunks.push(raw.slice());
    tensor.externalData = [
      onnx.StringStringEntryProto.create({ key: "location", value: location }),
      onnx.StringStringEntryProto.create({ key: "offset", value: `${offset}` }),
      onnx.StringStringEntryProto.create({ key: "length", value: `${raw.byteLength}` }),
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.rawData = new Uint8Array(0);
    offset += raw.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.byteLength;
  }
  return { model: onnx.ModelProto.encode(proto).finish(), data };
}

/** The repository's files by path: small files in git, ONNX files in LFS. */
export async function tinyRepoFiles(): Promise<Record<string, HubFile>> {
  const read = (path: string) => Deno.readFile(fixturePath(`${REFERENCE}/${path}`));
  const files: Record<string, HubFile> = {};
  for (const path of PLAIN) files[path] = { bytes: await read(path), lfs: false };
  for (const name of ["text_encoder", "vae_decoder", "vae_encoder"]) {
    files[`${name}/model.onnx`] = { bytes: await read(`${name}/model.onnx`), lfs: true };
  }
  const unet = externalize(await read("unet/model.onnx"), "model.onnx_data");
  files["unet/model.onnx"] = { bytes: unet.model, lfs: true };
  files["unet/model.onnx_data"] = { bytes: unet.data, lfs: true };
  // Files outside the ONNX layout are listed but never downloaded.
  files["README.md"] = { bytes: new TextEncoder().encode("# tiny\n"), lfs: false };
  files["diffusers/unet/config.json"] = {
    bytes: await read("diffusers/unet/config.json"),
    lfs: false,
  };
  return files;
}
