/**
 * What the figures were measured on: CPU model, cores, memory, OS, GPU situation, and the
 * versions of Deno and onnxruntime (the exact pins of deno.json).
 */

/** The machine of a run. */
export interface MachineInfo {
  cpu: string;
  /** Logical CPUs visible to the process. */
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  arch: string;
  /** What accelerator the run had, in words. */
  gpu: string;
}

/** Versions of a run. */
export interface VersionInfo {
  deno: string;
  v8: string;
  typescript: string;
  onnxruntimeNode: string;
  onnxruntimeWeb: string;
  date: string;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** CPU, memory and OS of this machine; `gpu` is supplied by the caller. */
export function machineInfo(gpu: string): MachineInfo {
  const cpuinfo = readText("/proc/cpuinfo");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim();
  const release = readText("/etc/os-release").match(/^PRETTY_NAME="?([^"\n]+)"?/m)?.[1];
  return {
    cpu: model ?? Deno.build.arch,
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    os: release ?? Deno.build.os,
    kernel: Deno.osRelease(),
    arch: Deno.build.arch,
    gpu,
  };
}

/** Deno's versions and the onnxruntime pins from deno.json. */
export async function versionInfo(): Promise<VersionInfo> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { imports: Record<string, string> };
  const pin = (name: string) => config.imports[name]?.replace(`npm:${name}@`, "") ?? "absent";
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    onnxruntimeNode: pin("onnxruntime-node"),
    onnxruntimeWeb: pin("onnxruntime-web"),
    date: new Date().toISOString(),
  };
}
