import { ProgressBar } from './progress-bar.js';
import type { LoadgenOptions } from './options.js';
import type { LoadReport } from './report.js';
import { writeReportFiles } from './report-files.js';
import { runLoadgen } from './run-loadgen.js';
import { summaryTables } from './summary-table.js';

/**
 * What `npm run loadgen` does around a run: the progress bar on stderr, then the summary tables
 * (stdout, or stderr with --json), report.json + report.html in the out folder, and with --json
 * the report on stdout. Returns the report.
 */
export async function runWithOutput(options: LoadgenOptions, signal?: AbortSignal): Promise<LoadReport> {
  const humanOut = options.json ? process.stderr : process.stdout;
  const target = options.gatewayAddr === undefined ? `Matcher ${options.matcherTarget} (gRPC)` : `gateway ${options.gatewayAddr} (REST)`;
  process.stderr.write(`loadgen: ${options.clients} clients for ${options.durationSec} s through the ${target}; reconnect rate ${options.reconnectRate}, MMR ${options.mmr} ± ${options.mmrSpread}\n`);
  const bar = options.progress ? new ProgressBar() : undefined;
  let report: LoadReport;
  try {
    report = await runLoadgen(options, { onProgress: (p) => bar?.update(p) }, signal);
  } finally {
    bar?.stop();
  }
  humanOut.write(summaryTables(report));
  const { jsonPath, htmlPath } = await writeReportFiles(report, options.outDir);
  process.stderr.write(`report: ${jsonPath}\n        ${htmlPath}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report;
}
