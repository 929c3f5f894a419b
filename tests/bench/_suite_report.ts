/**
 * The markdown the suite prints: one table of every figure (median, min, max, repeats, achieved
 * GFLOP/s and % of the backend's measured MatMul limit), the skipped measurements with reasons,
 * and the top op types of each profile.
 */

import type { Figure, Skipped } from "./_suite_stats.ts";
import type { ProfileRecord } from "./_suite_profile.ts";

/** A value in its unit, readable: ms below 10 s, then s; bytes in MiB/GiB. */
export function formatValue(value: number, unit: string): string {
  if (unit === "ms") {
    return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${precise(value)} ms`;
  }
  if (unit === "bytes") {
    if (value >= 2 ** 30) return `${(value / 2 ** 30).toFixed(2)} GiB`;
    if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
    return `${(value / 1024).toFixed(1)} KiB`;
  }
  if (unit === "ratio") return value.toExponential(2);
  return `${precise(value)} ${unit}`;
}

function precise(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The figures as one markdown table. */
export function figuresTable(figures: readonly Figure[]): string {
  const rows = [
    "| figure | backend | median | min | max | n | GFLOP/s | % of limit |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const f of figures) {
    rows.push(
      `| ${f.label} | ${f.backend} | ${formatValue(f.median, f.unit)} | ` +
        `${formatValue(f.min, f.unit)} | ${formatValue(f.max, f.unit)} | ${f.repeats} | ` +
        `${f.gflops ? precise(f.gflops.median) : ""} | ` +
        `${f.percentOfLimit !== undefined ? `${f.percentOfLimit}%` : ""} |`,
    );
  }
  return rows.join("\n");
}

/** Skipped measurements as a bullet list. */
export function skippedList(skipped: readonly Skipped[]): string {
  return skipped.map((s) => `- \`${s.id}\`: ${s.reason}`).join("\n");
}

/** The top `limit` op types of a profile (GPU time when the trace has it). */
export function profileTable(record: ProfileRecord, limit = 8): string {
  const gpu = record.gpuByOp !== undefined;
  const ops = (record.gpuByOp ?? record.byOp).slice(0, limit);
  const total = gpu
    ? `GPU ${precise(record.gpuMs ?? 0)} ms of a ${precise(record.runMs)} ms run`
    : `run ${precise(record.runMs)} ms, kernels ${precise(record.kernelMs)} ms`;
  const rows = [
    `**${record.target}, ${record.network}** (${record.runs} run(s) profiled; ${total}; ` +
    `wall ${record.wallMs.join(", ")} ms)`,
    "",
    `| op type | ms / run | % of ${gpu ? "GPU time" : "run"} | kernels / run |`,
    "| --- | ---: | ---: | ---: |",
    ...ops.map((o) => `| ${o.op} | ${precise(o.ms)} | ${o.percent}% | ${o.count} |`),
  ];
  return rows.join("\n");
}

/** The whole report. */
export function markdownReport(report: {
  figures: readonly Figure[];
  skipped: readonly Skipped[];
  profiles: Record<string, ProfileRecord>;
  header: string;
}): string {
  const parts = [report.header, "", figuresTable(report.figures)];
  if (report.skipped.length > 0) parts.push("", "Not measured:", "", skippedList(report.skipped));
  for (const record of Object.values(report.profiles)) parts.push("", profileTable(record));
  return parts.join("\n");
}
