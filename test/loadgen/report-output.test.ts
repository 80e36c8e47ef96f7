import { expect } from 'chai';
import { ClientError } from '../../src/client/errors.js';
import { htmlReport } from '../../src/loadgen/html-report.js';
import { LoadMetrics } from '../../src/loadgen/load-metrics.js';
import { parseLoadgenArgs, loadgenCommand } from '../../src/loadgen/options.js';
import { buildReport } from '../../src/loadgen/report.js';
import { summaryTables } from '../../src/loadgen/summary-table.js';

/** A report built from metrics recorded on a hand-driven clock. */
function sampleReport() {
  let nowMs = 0;
  const metrics = new LoadMetrics(() => nowMs);
  metrics.rpcDone('AuthenticateDevice', 3, undefined);
  metrics.rpcDone('Enqueue', 5, undefined);
  metrics.rpcDone('Enqueue', 7, new ClientError('unavailable', 'down'));
  metrics.rpcDone('Dequeue', 9, new ClientError('aborted', 'run ended'));
  metrics.matched('room-1', 40);
  nowMs = 1500;
  metrics.matched('room-1', 60);
  metrics.gameConnected('room-1');
  metrics.reconnectAttempted('induced');
  metrics.reconnectSucceeded('induced', 1012, 12);
  metrics.reconnectAttempted('spontaneous');
  metrics.reconnectFailed('spontaneous', 'reconnect_failed');
  metrics.flowError('connect', 'connect_timeout');
  nowMs = 2500;
  metrics.gameOver({ roomId: 'room-1', outcome: 'completed', durationSec: 20, tickRate: 60, snapshotRate: 59.9 });
  metrics.gameOver({ roomId: 'room-1', outcome: 'completed', durationSec: 20, tickRate: 60.1, snapshotRate: 60 });
  const options = parseLoadgenArgs(['--clients', '2', '--duration', '3'], loadgenCommand().exitOverride());
  metrics.loopLag(4);
  const report = buildReport({ options, metrics, startedAt: new Date(0), elapsedSec: 3 });
  metrics.destroy();
  return report;
}

describe('loadgen report', () => {
  it('counts matches per room, games per room, reconnects by cause, calls per method (an aborted call is neither)', () => {
    const report = sampleReport();
    expect(report.matches).to.deep.include({ rooms: 1, assignments: 2 });
    expect(report.matches.latencyMs).to.deep.include({ count: 2 });
    expect(report.games).to.deep.include({ connected: 1, completed: 1, tickRateNear60: 2 });
    expect(report.games.clientGames).to.include({ completed: 2, unfinished: 0 });
    expect(report.reconnects).to.deep.include({ attempted: 2, succeeded: 1, failed: 1 });
    expect(report.reconnects.spontaneous.failureReasons).to.deep.equal({ reconnect_failed: 1 });
    expect(report.reconnects.induced.timeToBackMs.p50).to.be.closeTo(1012, 1);
    expect(report.rpc.methods.Enqueue).to.deep.include({ calls: 2, errors: 1, errorKinds: { unavailable: 1 } });
    expect(report.rpc.methods.Dequeue).to.equal(undefined);
    expect(report.rpc.unary.calls).to.equal(3);
    expect(report.rpc.unary.latencyMs.count).to.equal(2);
    expect(report.errors).to.deep.equal({ 'connect:connect_timeout': 1 });
    expect(report.timeline.map((p) => [p.second, p.matches, p.reconnectsSucceeded, p.gamesCompleted])).to.deep.equal([
      [0, 1, 0, 0],
      [1, 0, 1, 0],
      [2, 0, 0, 1],
    ]);
  });

  it('prints a summary table and a per-method table', () => {
    const text = summaryTables(sampleReport());
    expect(text).to.match(/match latency \(enqueue → assignment\)\s*│ p50 40\.0 · p99 60\.0/);
    expect(text).to.match(/reconnects attempted \/ ok \/ failed\s*│ 2 \/ 1 \/ 1/);
    expect(text).to.match(/│ Enqueue\s*│\s*2 │ 1 \(unavailable 1\) │/);
  });

  it('writes a self-contained HTML page: Chart.js and the data inline, nothing fetched, no early </script>', () => {
    const report = sampleReport();
    report.errors['</script><script>alert(1)'] = 1;
    const html = htmlReport(report);
    expect(html).to.include('Chart.js v4');
    // Nothing loads from elsewhere (the only URLs are in Chart.js' licence comments).
    expect(html).to.not.match(/<script[^>]+src=|<link[^>]+href=|<img/);
    expect(html.replace(/https:\/\/(www\.chartjs\.org|github\.com\/kurkle\/color#readme)/g, '')).to.not.match(/https?:\/\//);
    expect(html.match(/<script>/g)).to.have.length(3);
    expect(html.match(/<\/script>/g)).to.have.length(3);
    for (const id of ['ticks', 'matchLatency', 'reconnects', 'clients', 'matchCurve', 'rpc']) expect(html).to.include(`<canvas id="${id}">`);
    const data = /window\.loadReport = (.*);<\/script>/.exec(html)![1]!;
    expect(JSON.parse(data).matches.rooms).to.equal(1);
  });
});
