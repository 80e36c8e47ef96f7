import Table from 'cli-table3';
import { countsLine, fixed, latencyLine, rateLine } from './format.js';
import type { LoadReport } from './report.js';

const plain = { head: [], border: [] };

/** The summary's figures as [what, figure] rows (the terminal table and the HTML page show the same). */
export function figureRows(report: LoadReport): [string, string][] {
  const { matches, games, reconnects, rpc } = report;
  return [
    ['run', `${report.clients.configured} clients over ${report.transport} (${report.target}), ${fixed(report.elapsedSec)} s`],
    ['matches (rooms / assignments)', `${matches.rooms} / ${matches.assignments}`],
    ['match latency (enqueue → assignment)', latencyLine(matches.latencyMs)],
    ['games connected / completed', `${games.connected} / ${games.completed} (peak ${report.clients.peakPlaying} clients playing)`],
    ['client games by outcome', countsLine(games.clientGames)],
    ['tick rate per game (snapshot ticks)', `${rateLine(games.tickRate)}; ${games.tickRateNear60} within 60 ± 1`],
    ['snapshots per game (connected time)', rateLine(games.snapshotRate)],
    [
      'reconnects attempted / ok / failed',
      `${reconnects.attempted} / ${reconnects.succeeded} / ${reconnects.failed} (induced ${reconnects.induced.attempted}, by the client ${reconnects.spontaneous.attempted})`,
    ],
    ['reconnect failures', countsLine({ ...reconnects.induced.failureReasons, ...reconnects.spontaneous.failureReasons })],
    ['time to back (cut → first snapshot)', latencyLine(reconnects.induced.timeToBackMs)],
    ['reconnect (reconnect() → snapshot)', latencyLine(reconnects.induced.reconnectMs)],
    ['Matcher unary calls (client-side)', `${latencyLine(rpc.unary.latencyMs)}; ${fixed(rpc.unary.perSec)} calls/s`],
    ['errors', countsLine(report.errors)],
    ['loadgen event-loop lag (in every figure above)', latencyLine(report.loopLagMs)],
  ];
}

/** The per-method rows: method, calls, errors, p50, p90, p99, max (ms). */
export function rpcRows(report: LoadReport): string[][] {
  return Object.entries(report.rpc.methods).map(([method, entry]) => {
    const l = entry.latencyMs;
    const errors = entry.errors > 0 ? `${entry.errors} (${countsLine(entry.errorKinds)})` : '0';
    const name = method === 'WatchAssignment' ? `${method} (first event)` : method;
    return [name, String(entry.calls), errors, fixed(l.p50), fixed(l.p90), fixed(l.p99), fixed(l.max)];
  });
}

export const rpcHeader = ['method', 'calls', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];

/** The end-of-run summary for the terminal: the figures, then Matcher calls per method (client-side). */
export function summaryTables(report: LoadReport): string {
  const figures = new Table({ head: ['what', 'figure'], style: plain, wordWrap: true, colWidths: [38, 72] });
  figures.push(...figureRows(report));
  const calls = new Table({ head: rpcHeader, style: plain, colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'] });
  calls.push(...rpcRows(report));
  return `${figures.toString()}\n${calls.toString()}\n`;
}
