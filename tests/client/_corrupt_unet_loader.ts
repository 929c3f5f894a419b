/**
 * A model loader for render Workers that serves the registry's models with a damaged UNet file
 * (its bytes reversed), so a real job fails inside onnxruntime the way a corrupt download would.
 */
import {
  loadModel as loadRegistryModel,
  type LoadModelOptions,
  type LocalModel,
} from "../../models/mod.ts";

/** `loadModel` of the registry, with the UNet's bytes reversed. */
export async function loadModel(id: string, options: LoadModelOptions = {}): Promise<LocalModel> {
  const local = await loadRegistryModel(id, options);
  const unet = local.manifest.components.unet.model.path;
  return {
    ...local,
    async readFile(path) {
      const bytes = await local.readFile(path);
      return path === unet ? bytes.reverse() : bytes;
    },
  };
}
