/** A `GenerateCliIo` that captures stdout, stderr and written files. Test-only. */

import type { GenerateCliIo } from "../../../functions/cli/generate.ts";

/** Captured output of one CLI run. */
export type CapturedIo = GenerateCliIo & {
  out: string;
  err: string;
  files: Map<string, Uint8Array>;
};

/** A fresh capturing io. */
export function captureIo(): CapturedIo {
  const io = {
    out: "",
    err: "",
    files: new Map<string, Uint8Array>(),
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    stderrIsTerminal: false,
    writeFile: (path: string, bytes: Uint8Array) => {
      io.files.set(path, bytes);
      return Promise.resolve();
    },
  };
  return io;
}
