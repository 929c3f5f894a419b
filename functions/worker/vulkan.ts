/**
 * Which Vulkan drivers onnxruntime-node's native WebGPU provider (Dawn) would see, read from the
 * driver manifests the Vulkan loader reads, so the render pool can tell a GPU from a software
 * rasteriser before it loads anything. Dawn refuses Mesa's lavapipe; SwiftShader (shipped by
 * Debian's `chromium` package) works and is used only when `webgpu` is asked for by name.
 *
 * @module
 */

/** One Vulkan driver manifest (ICD JSON). */
export interface VulkanDriver {
  /** The manifest file. */
  manifest: string;
  /** Its `ICD.library_path`. */
  library: string;
  /** Whether it is a CPU implementation (SwiftShader, lavapipe, the loader's mock driver). */
  software: boolean;
  /**
   * Whether the GPU it drives is present: `/dev/nvidiactl` for NVIDIA's driver, a
   * `/dev/dri/renderD*` node for Mesa's (whose manifests are installed on machines without a GPU).
   */
  present: boolean;
}

/** Where Debian's `chromium` package puts SwiftShader's Vulkan manifest. */
export const SWIFTSHADER_ICDS: readonly string[] = Object.freeze([
  "/usr/lib/chromium/vk_swiftshader_icd.json",
  "/usr/lib/chromium-browser/vk_swiftshader_icd.json",
]);

const SOFTWARE = /swiftshader|lvp|lavapipe|mock_icd/i;

type Env = Record<string, string | undefined>;

function manifestDirs(env: Env): string[] {
  const explicit = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (explicit) return explicit.split(":").filter(Boolean);
  const config = (env.XDG_CONFIG_DIRS ?? "/etc/xdg").split(":");
  const data = (env.XDG_DATA_DIRS ?? "/usr/local/share:/usr/share").split(":");
  const home = env.HOME ? [`${env.HOME}/.local/share`] : [];
  const extra = (env.VK_ADD_DRIVER_FILES ?? "").split(":").filter(Boolean);
  return [
    ...config.map((d) => `${d}/vulkan/icd.d`),
    "/etc/vulkan/icd.d",
    ...[...data, ...home].map((d) => `${d}/vulkan/icd.d`),
    ...extra,
  ];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function gpuNodePresent(library: string): boolean {
  if (/nvidia/i.test(library)) {
    return exists("/dev/nvidiactl") || exists("/dev/nvidia0") || exists("/proc/driver/nvidia");
  }
  try {
    return [...Deno.readDirSync("/dev/dri")].some((e) => e.name.startsWith("renderD"));
  } catch {
    return false;
  }
}

function readDriver(manifest: string): VulkanDriver | null {
  try {
    const json = JSON.parse(Deno.readTextFileSync(manifest)) as { ICD?: { library_path?: string } };
    const library = json.ICD?.library_path;
    if (typeof library !== "string") return null;
    const software = SOFTWARE.test(library) || SOFTWARE.test(manifest);
    return { manifest, library, software, present: software || gpuNodePresent(library) };
  } catch {
    return null;
  }
}

/**
 * The Vulkan drivers the loader would offer: the files of `VK_DRIVER_FILES`/`VK_ICD_FILENAMES`
 * when set, else the manifests of the standard `icd.d` folders.
 *
 * @example
 * ```ts
 * import { vulkanDrivers } from "./vulkan.ts";
 * const gpus = vulkanDrivers().filter((d) => !d.software && d.present);
 * console.log(gpus.length > 0 ? "a GPU driver is installed" : "software Vulkan only");
 * ```
 */
export function vulkanDrivers(env: Env = Deno.env.toObject()): VulkanDriver[] {
  const drivers: VulkanDriver[] = [];
  for (const path of manifestDirs(env)) {
    let files: string[];
    try {
      files = Deno.statSync(path).isDirectory
        ? [...Deno.readDirSync(path)].filter((e) => e.name.endsWith(".json"))
          .map((e) => `${path}/${e.name}`).sort()
        : [path];
    } catch {
      continue;
    }
    for (const file of files) {
      const driver = readDriver(file);
      if (driver) drivers.push(driver);
    }
  }
  return drivers;
}

/** What {@linkcode prepareNativeWebGpu} found and did. */
export interface NativeWebGpuPlan {
  /** `hardware` when a GPU driver is installed, `software` when only SwiftShader is used. */
  adapter: "hardware" | "software" | "none";
  /** One line for logs: which driver, or why none. */
  note: string;
}

/**
 * Prepares the process for onnxruntime-node's `webgpu` device. With a GPU's Vulkan driver
 * installed nothing changes. Otherwise, when `allowSoftware` is set and neither
 * `VK_ICD_FILENAMES` nor `VK_DRIVER_FILES` is, it points `VK_ICD_FILENAMES` at SwiftShader (Dawn
 * reads it when the first WebGPU session is made, in any Worker of this process).
 *
 * @example The render pool with `--device webgpu`
 * ```ts
 * import { prepareNativeWebGpu } from "./vulkan.ts";
 * const plan = prepareNativeWebGpu({ allowSoftware: true });
 * console.log(plan.adapter, plan.note);
 * ```
 */
export function prepareNativeWebGpu(options: { allowSoftware: boolean }): NativeWebGpuPlan {
  // An empty variable means unset (the Vulkan loader would read it as an empty list).
  for (const name of ["VK_ICD_FILENAMES", "VK_DRIVER_FILES"]) {
    if (Deno.env.get(name) === "") Deno.env.delete(name);
  }
  // Mesa's drivers print an error per adapter request without a runtime dir.
  if (Deno.env.get("XDG_RUNTIME_DIR") === undefined) Deno.env.set("XDG_RUNTIME_DIR", "/tmp");
  const drivers = vulkanDrivers();
  const hardware = drivers.filter((d) => !d.software && d.present);
  if (hardware.length > 0) {
    return {
      adapter: "hardware",
      note: `Vulkan driver ${hardware.map((d) => d.library).join(", ")}`,
    };
  }
  const pinned = Deno.env.get("VK_ICD_FILENAMES") ?? Deno.env.get("VK_DRIVER_FILES");
  if (!options.allowSoftware) {
    return {
      adapter: "none",
      note: "no GPU with a Vulkan driver found (a software adapter is used only with --device " +
        "webgpu)",
    };
  }
  if (pinned !== undefined) {
    const software = drivers.find((d) => d.software);
    return software
      ? { adapter: "software", note: `software Vulkan driver ${software.library} (${pinned})` }
      : { adapter: "none", note: `no Vulkan driver in ${pinned}` };
  }
  const swiftshader = SWIFTSHADER_ICDS.find((path) => readDriver(path) !== null);
  if (swiftshader === undefined) {
    return {
      adapter: "none",
      note: "no Vulkan driver Dawn accepts (install a GPU driver, or the chromium package for " +
        "SwiftShader)",
    };
  }
  Deno.env.set("VK_ICD_FILENAMES", swiftshader);
  return { adapter: "software", note: `SwiftShader (VK_ICD_FILENAMES=${swiftshader})` };
}
