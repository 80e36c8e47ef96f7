import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadReport } from '../../src/loadgen/report.js';
import { runLoadgen } from '../../src/loadgen/run-loadgen.js';
import { startGateway } from '../support/gateway-fixture.js';
import { RoomFixture, startRoomServer } from '../support/room-fixture.js';
import { Keys } from '../../src/shared/redis/keys.js';
import type { ServiceProcess } from '../support/service-process.js';

const keys = new Keys('');

const root = new URL('../../', import.meta.url).pathname;

/** What every report must satisfy, whatever the timing of the run. */
function expectConsistent(report: LoadReport): void {
  const { matches, games, reconnects } = report;
  expect(matches.rooms, 'matches').to.be.greaterThan(0);
  expect(matches.assignments).to.be.within(matches.rooms, 2 * matches.rooms);
  expect(matches.latencyMs.count).to.equal(matches.assignments);
  const clientGames = Object.values(games.clientGames).reduce((a, b) => a + b, 0);
  expect(clientGames, 'every assignment became one client game').to.equal(matches.assignments);
  expect(games.connected).to.be.within(1, matches.rooms);
  expect(games.completed).to.be.at.most(games.connected);
  expect(games.clientGames.connect_failed + games.clientGames.reconnect_failed, 'client games that failed').to.equal(0);
  expect(games.tickRate.count, 'client games with a tick rate').to.be.greaterThan(0);
  // The room ticks at 60/s; a shared, busy machine may drop a few snapshots, never the tick clock.
  expect(games.tickRate.p50).to.be.closeTo(60, 1);
  expect(games.snapshotRate.p50).to.be.closeTo(60, 3);
  expect(reconnects.attempted, 'reconnects attempted = succeeded + failed').to.equal(reconnects.succeeded + reconnects.failed);
  expect(reconnects.induced.attempted).to.equal(reconnects.induced.succeeded + reconnects.induced.failed);
  expect(reconnects.induced.timeToBackMs.count).to.equal(reconnects.induced.succeeded);
  const timeline = report.timeline;
  expect(timeline.reduce((n, p) => n + p.matches, 0)).to.equal(matches.rooms);
  expect(timeline.reduce((n, p) => n + p.reconnectsSucceeded + p.reconnectsFailed, 0)).to.equal(reconnects.succeeded + reconnects.failed);
  expect(timeline.reduce((n, p) => n + p.gamesCompleted, 0)).to.equal(games.completed);
  expect(timeline.some((p) => p.linksSampled > 0 && Math.abs(p.tickRateMean - 60) < 2), 'a second with links ticking at 60').to.equal(true);
  expect(timeline.filter((p) => p.linksSampled > 0 && !(p.tickRateMin >= 0 && p.tickRateMean <= 61)), 'no rate across two links').to.deep.equal([]);
}

describe('load generator against a real Redis, Matcher and room server', function () {
  this.timeout(30_000);
  let fx: RoomFixture;
  let outDir: string;
  before(async () => {
    // One-point games so that some finish within the run, and clients queue again.
    fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '1' });
    outDir = mkdtempSync(join(tmpdir(), 'loadgen-test-'));
  });
  after(async () => {
    await fx.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('`npm run loadgen -- --json` over gRPC: consistent counts, games at 60 ticks/s, every cut link reconnected; report files written', async () => {
    const args = ['--clients', '8', '--duration', '6', '--matcher', fx.matcher.address, '--reconnect-rate', '1', '--reconnect-down-ms', '200'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/loadgen/main.ts', ...args, '--json', '--no-progress', '--out', outDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).to.equal(0);
    const report = JSON.parse(stdout) as LoadReport;
    expect(report).to.deep.include({ transport: 'grpc', target: fx.matcher.address });
    expectConsistent(report);
    expect(report.reconnects.induced.attempted, 'cut links').to.be.greaterThan(0);
    // A one-point game can end while a link is down (the room holds a game only after 1 s of silence):
    // that reconnect finds no assignment, or, when the room's result has not reached the Matcher yet, an
    // assignment to a room that refuses it as over. Nothing else may go wrong.
    const { assignment_gone: _noAssignment, room_gone: _roomOver, ...otherFailures } = report.reconnects.induced.failureReasons;
    expect(otherFailures).to.deep.equal({});
    expect(report.rpc.methods.GetAssignment?.calls, 'every reconnect asks the Matcher').to.be.at.least(report.reconnects.induced.succeeded);
    expect(stderr).to.match(/match latency \(enqueue → assignment\)/);
    expect(stderr, 'listeners piling up on the run’s signals').to.not.include('MaxListenersExceededWarning');
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).to.deep.equal(report);
    expect(existsSync(join(outDir, 'report.html'))).to.equal(true);
  });

  describe('with --regions, a room server in each region', () => {
    let euServer: ServiceProcess;
    before(async () => (euServer = await startRoomServer(fx.redis.url, fx.matcher.address, { ROOM_SCORE_LIMIT: '1' }, 0, ['--region', 'eu-west'])));
    after(async () => euServer.stop());

    it('spreads the clients over the regions: every region’s games are played on its own server, counts consistent', async () => {
      const report = await runLoadgen({
        ...{ clients: 8, durationSec: 5, rampUpSec: 0, matcherTarget: fx.matcher.address, gatewayAddr: undefined },
        ...{ reconnectRate: 0, reconnectDownMs: 100, mmr: 2500, mmrSpread: 100, regions: ['default', 'eu-west'], json: true, outDir, progress: false },
      });
      expectConsistent(report);
      expect(report.errors).to.deep.equal({});
      // Each region's rooms are on its own server: finished (in the region's results) or still assigned there.
      const check = fx.redis.client();
      try {
        for (const [region, server] of [['default', fx.roomAddr], ['eu-west', euServer.address]] as const) {
          const r = keys.region(region);
          const rooms = (await check.xlen(r.roomResults())) + (await check.scard(r.roomServerRooms(server)));
          expect(rooms, `games of ${region} on its server`).to.be.greaterThan(0);
        }
        expect(await check.exists(keys.region('default').roomServerRooms(euServer.address)), 'no default-region room on the eu-west server').to.equal(0);
      } finally {
        check.disconnect();
      }
    });
  });

  describe('over REST through the gateway', () => {
    let gateway: ServiceProcess;
    before(async () => (gateway = await startGateway(fx.matcher.address)));
    after(async () => gateway.stop());

    it('logs in, queues and watches through the gateway; the games are the same', async () => {
      const report = await runLoadgen({
        ...{ clients: 4, durationSec: 4, rampUpSec: 0, matcherTarget: '127.0.0.1:1', gatewayAddr: gateway.address },
        ...{ reconnectRate: 0.5, reconnectDownMs: 100, mmr: 2500, mmrSpread: 100, regions: [], json: true, outDir, progress: false },
      });
      expect(report).to.deep.include({ transport: 'rest', target: gateway.address });
      expectConsistent(report);
      for (const method of ['AuthenticateDevice', 'Enqueue', 'WatchAssignment'] as const) {
        expect(report.rpc.methods[method], method).to.deep.include({ errors: 0 });
        expect(report.rpc.methods[method]!.calls, method).to.be.at.least(4);
      }
      expect(report.errors).to.deep.equal({});
    });
  });
});
