import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chartsScript } from './report-charts.js';
import type { LoadReport } from './report.js';
import { figureRows, rpcHeader, rpcRows } from './summary-table.js';

/** The Chart.js UMD build from node_modules, to inline: the page must work offline, without a CDN. */
export function chartJsSource(): string {
  const dist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  for (const name of ['chart.umd.min.js', 'chart.umd.js']) {
    const path = join(dist, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  throw new Error(`no Chart.js UMD build in ${dist}: run npm ci`);
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Text inside <script>: nothing in it may close the element early. */
function scriptSafe(code: string): string {
  return code.replaceAll('</script', '<\\/script');
}

function table(header: string[], rows: string[][]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

const charts: [id: string, title: string, note: string][] = [
  ['ticks', 'Tick rate seen by clients', 'Server tick progression from the tick numbers in snapshots, per client link sampled each second (mean and lowest), and snapshots received per second.'],
  ['matchLatency', 'Match latency (enqueue → assignment)', 'p50 and p99 of the assignments received in each second; bars: new matches (rooms); dashed: the load generator\u2019s longest event-loop lag in that second (included in every client-side time).'],
  ['reconnects', 'Reconnect outcomes', 'Reconnects that turned out in each second (back in the same game, or not), and reconnects started.'],
  ['clients', 'Clients by state', 'Sampled once a second.'],
  ['matchCurve', 'Match latency percentiles (whole run)', 'From an HDR histogram of every enqueue → assignment.'],
  ['rpc', 'Matcher calls, client-side latency', 'Per method, successful calls (a call includes its retries after UNAVAILABLE); WatchAssignment: time to the first event.'],
];

/** A self-contained page: the figures, the per-method table and the charts (Chart.js and the data inlined). */
export function htmlReport(report: LoadReport, chartJs: string = chartJsSource()): string {
  const title = `loadgen ${report.startedAt}: ${report.clients.configured} clients, ${report.options.durationSec} s`;
  const panels = charts
    .map(([id, heading, note]) => `<section><h2>${escapeHtml(heading)}</h2><p class="note">${escapeHtml(note)}</p><div class="chart"><canvas id="${id}"></canvas></div></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #111827; max-width: 1200px; }
  table { border-collapse: collapse; margin: 12px 0 24px; }
  th, td { border: 1px solid #d1d5db; padding: 4px 8px; text-align: left; vertical-align: top; }
  th { background: #f3f4f6; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px; }
  .chart { position: relative; height: 300px; }
  .note { color: #4b5563; margin: 0 0 8px; }
  h2 { font-size: 16px; margin: 0 0 4px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${table(['what', 'figure'], figureRows(report))}
${table(rpcHeader, rpcRows(report))}
<div class="grid">
${panels}
</div>
<script>${scriptSafe(chartJs)}</script>
<script>window.loadReport = ${JSON.stringify(report).replaceAll('<', '\\u003c')};</script>
<script>${scriptSafe(chartsScript)}</script>
</body>
</html>
`;
}
