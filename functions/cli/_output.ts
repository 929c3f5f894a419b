/**
 * Output file names of the CLI: the `--out` path for one image, `name-1.png`, `name-2.png`, ...
 * for a batch.
 *
 * @module
 */

/** The file paths for `count` images written to `out`. */
export function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const stem = out.replace(/\.png$/i, "");
  const ext = out.slice(stem.length) || ".png";
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}
