import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import { sampleValue, scrapeMetrics } from '../../test/support/prom-text.js';
import { missingWrites, type AckLoad, type Acknowledged, type Call, type Missing } from './ack-load.js';
import { logLines } from './fleet-stack.js';
import type { GamesWindow, HaStack } from './ha-stack.js';
import { sleep } from './measure.js';
import { untilSentinelsAgree } from './sentinel-watch.js';

export interface FailoverSettings {
  enqueuePerSec: number;
  loginPerSec: number;
  /** Load before the SIGKILL, and after the last of the three recoveries. */
  preMs: number;
  postMs: number;
  /** A recovery not seen this long after the SIGKILL is reported as missing. */
  giveUpMs: number;
}

/** How the calls of one kind fared from the SIGKILL on. */
export interface CallsAfterKill {
  total: number;
  ok: number;
  /** Failed calls by gRPC status name. */
  failed: Record<string, number>;
  slowestFailedMs: number;
  slowestOkMs: number;
}

/** One SIGKILL of the primary under load. Times are from the signal, in ms; undefined: not within giveUpMs. */
export interface FailoverResult {
  oldPort: number;
  newPort: number;
  /** The first Sentinel's +sdown, +odown and +switch-master; the last Sentinel's +switch-master (every one names the new primary). */
  sentinel: { sdownMs?: number; odownMs?: number; switchMasterMs?: number; allSwitchedMs?: number };
  firstEnqueueMs?: number;
  firstLoginMs?: number;
  firstCheckpointMs?: number;
  /** When the room server first found Redis gone and skipped checkpoints. */
  checkpointsSkippedFromMs?: number;
  checkpointsSkipped: number;
  enqueue: CallsAfterKill;
  login: CallsAfterKill;
  /** Acknowledged writes missing on the new primary, all acknowledged so far checked (cumulative). */
  missing: Missing;
  games: GamesWindow;
  /** From restarting the killed node to the primary having both replicas online again. */
  rejoinMs: number;
  /** From that restart to a Sentinel's +convert-to-slave (it told the node to replicate the new primary). */
  convertMs?: number;
  poolExhausted: number;
}

/** Logged-in players enough for the Enqueues of one failover, however long it takes up to giveUpMs. */
export function poolSize(s: FailoverSettings): number {
  return Math.ceil((s.enqueuePerSec * (s.preMs + s.giveUpMs + s.postMs)) / 1000);
}

/**
 * SIGKILLs the primary while Enqueues and logins run at fixed rates and the games play, then waits for
 * the first successful Enqueue and login started after the kill and for the room server's first
 * checkpoint written (its `checkpoints written again` log line) — then `postMs` more load. Restarts the
 * killed node (it rejoins as a replica); checks every write acknowledged so far against the new
 * primary and runs `whileRejoining`; waits until the primary has both replicas online and every
 * Sentinel agrees. `load` comes prepared (its players logged in).
 */
export async function runFailover(stack: HaStack, s: FailoverSettings, load: AckLoad, acked: Acknowledged, whileRejoining: () => Promise<void>): Promise<FailoverResult> {
  const { ha } = stack;
  const { sentinelPorts, masterName } = ha.layout;
  const roomFrom = stack.room.output.length;
  const skippedBefore = await checkpointsSkipped(stack);
  stack.markGames();
  load.start(s.enqueuePerSec, s.loginPerSec);
  await sleep(s.preMs);

  const oldPort = await ha.primaryPort();
  const signalAt = performance.now();
  const signalWallMs = Date.now();
  await ha.kill(oldPort);
  // Calls that started before the process was gone might still have been served by it.
  const goneAt = performance.now();
  const roomLine = (msg: string): number | undefined => logLines(stack.room, msg, roomFrom).find((l) => l.timeMs >= signalWallMs)?.timeMs;
  const deadline = signalAt + s.giveUpMs;
  while (performance.now() < deadline && !(load.firstOk('enqueue', goneAt) && load.firstOk('login', goneAt) && roomLine('checkpoints written again'))) await sleep(10);
  await sleep(s.postMs);
  await load.stop();
  const games = stack.games();

  const since = (atMs: number | undefined): number | undefined => after(signalAt, atMs);
  const sinceWall = (atMs: number | undefined): number | undefined => after(signalWallMs, atMs);
  const newPort = await ha.untilFailedOver(oldPort, 1);
  const checkpointsSkippedNow = (await checkpointsSkipped(stack)) - skippedBefore;

  // The killed node takes a while to rejoin (the Sentinels look at it every 10 s): meanwhile the
  // acknowledged writes are looked up on the new primary, and the caller prepares the next load.
  const restartAt = performance.now();
  await ha.restart(oldPort);
  const rejoined = ha.untilFailedOver(oldPort, 2).then(() => performance.now() - restartAt);
  const primary = await stack.primary();
  const missing = await missingWrites(primary, acked).finally(() => primary.disconnect());
  const [rejoinMs] = await Promise.all([rejoined, whileRejoining()]);
  await untilSentinelsAgree(sentinelPorts, masterName, newPort, 2);

  const w = stack.sentinels;
  return {
    oldPort,
    newPort,
    sentinel: {
      sdownMs: since(w.first('+sdown', signalAt)),
      odownMs: since(w.first('+odown', signalAt)),
      switchMasterMs: since(w.first('+switch-master', signalAt)),
      allSwitchedMs: since(w.all('+switch-master', signalAt, sentinelPorts.length)),
    },
    firstEnqueueMs: since(load.firstOk('enqueue', goneAt)),
    firstLoginMs: since(load.firstOk('login', goneAt)),
    firstCheckpointMs: sinceWall(roomLine('checkpoints written again')),
    checkpointsSkippedFromMs: sinceWall(roomLine('checkpoints skipped: redis unavailable')),
    checkpointsSkipped: checkpointsSkippedNow,
    enqueue: callsAfter(load.calls, 'enqueue', signalAt),
    login: callsAfter(load.calls, 'login', signalAt),
    missing,
    games,
    rejoinMs,
    convertMs: after(restartAt, w.first('+convert-to-slave', restartAt)),
    poolExhausted: load.poolExhausted,
  };
}

function after(fromMs: number, atMs: number | undefined): number | undefined {
  return atMs === undefined ? undefined : atMs - fromMs;
}

function callsAfter(calls: Call[], kind: Call['kind'], sinceMs: number): CallsAfterKill {
  const mine = calls.filter((c) => c.kind === kind && c.endedMs >= sinceMs);
  const failed: Record<string, number> = {};
  let slowestFailedMs = 0;
  let slowestOkMs = 0;
  for (const c of mine) {
    const took = c.endedMs - c.startedMs;
    if (c.code === 0) {
      slowestOkMs = Math.max(slowestOkMs, took);
      continue;
    }
    const name = (status[c.code] as string | undefined) ?? `code ${c.code}`;
    failed[name] = (failed[name] ?? 0) + 1;
    slowestFailedMs = Math.max(slowestFailedMs, took);
  }
  return { total: mine.length, ok: mine.filter((c) => c.code === 0).length, failed, slowestFailedMs, slowestOkMs };
}

async function checkpointsSkipped(stack: HaStack): Promise<number> {
  return sampleValue(await scrapeMetrics(stack.room.metricsPort), 'room_checkpoint_writes_total', { result: 'skipped' }) ?? 0;
}
