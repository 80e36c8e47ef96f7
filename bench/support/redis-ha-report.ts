import { percentile } from './load.js';
import type { CallsAfterKill, FailoverResult } from './redis-failover.js';
import { fmt, verdict, type Figure } from './summary.js';

/** What the report says about the run's settings. */
export interface ReportSettings {
  downAfterMs: number;
  /** The Matcher's REDIS_MIN_REPLICAS_ACK, as text. */
  ackSetting: string;
}

const ms = (v: number | undefined): string => (v === undefined ? 'not seen' : `+${v.toFixed(0)} ms`);

function calls(c: CallsAfterKill): string {
  const failed = Object.entries(c.failed).map(([name, count]) => `${count} ${name}`).join(', ') || 'none';
  return `${c.total} calls, ${c.ok} OK, failed: ${failed}; slowest failed ${c.slowestFailedMs.toFixed(0)} ms, slowest OK ${c.slowestOkMs.toFixed(0)} ms`;
}

/** Prints one failover: the Sentinels' steps, the recoveries, the calls, the games, the checks. */
export function reportFailover(n: number, r: FailoverResult): void {
  const s = r.sentinel;
  console.log(`failover ${n}: primary ${r.oldPort} → ${r.newPort}; Sentinels: +sdown ${ms(s.sdownMs)}, +odown ${ms(s.odownMs)}, +switch-master ${ms(s.switchMasterMs)} (the last of them ${ms(s.allSwitchedMs)})`);
  const afterSwitch = r.firstEnqueueMs !== undefined && s.switchMasterMs !== undefined ? ` (${(r.firstEnqueueMs - s.switchMasterMs).toFixed(0)} ms after +switch-master)` : '';
  console.log(
    `  first after the SIGKILL: Enqueue OK ${ms(r.firstEnqueueMs)}${afterSwitch}, login OK ${ms(r.firstLoginMs)}, checkpoint written ${ms(r.firstCheckpointMs)} (room server skipped ${r.checkpointsSkipped} checkpoints, from ${ms(r.checkpointsSkippedFromMs)})`,
  );
  console.log(`  Enqueue after the SIGKILL: ${calls(r.enqueue)}`);
  console.log(`  login after the SIGKILL:   ${calls(r.login)}`);
  const g = r.games;
  const m = r.missing;
  console.log(
    `  games: longest snapshot gap ${g.maxSnapshotGapMs.toFixed(0)} ms, ${g.reconnects} reconnects, ${g.ended} ended, ${g.silent} silent; ` +
      `acknowledged writes missing on the new primary: ${m.sessions} of ${m.checked.sessions} sessions, ${m.enqueues} of ${m.checked.enqueues} Enqueues (every one so far); ` +
      `killed node restarted: back as a replica in ${r.rejoinMs.toFixed(0)} ms (Sentinel +convert-to-slave ${ms(r.convertMs)})${r.poolExhausted ? `; ${r.poolExhausted} Enqueues not sent (pool exhausted)` : ''}`,
  );
}

/** Prints the table over every failover (p50 / p99 of each recovery) and returns its summary figures. */
export function failoverFigures(results: FailoverResult[], o: ReportSettings): Figure[] {
  const n = results.length;
  const last = results.at(-1)!;
  const lost = last.missing.sessions + last.missing.enqueues;
  const seen = (pick: (r: FailoverResult) => number | undefined): number[] => results.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)!]));
  const switchMaster = seen((r) => r.sentinel.switchMasterMs);
  const odown = seen((r) => r.sentinel.odownMs);
  console.log(`\nover ${n} failover(s) (with ${n} values, the p99 is the slowest); down-after ${o.downAfterMs} ms`);
  console.log(`  ${'from the SIGKILL to'.padEnd(44)}${['p50 ms', 'p99 ms', 'min ms', 'seen'].map((h) => h.padStart(9)).join('')}   p99 / switch-master`);
  const rowOf = (label: string, values: number[], withRatio = true): void => {
    const cells = [percentile(values, 50), percentile(values, 99), Math.min(...values)].map((v) => (Number.isFinite(v) ? v.toFixed(0) : '—').padStart(9));
    const ratio = withRatio && values.length > 0 && switchMaster.length > 0 ? `${(percentile(values, 99) / percentile(switchMaster, 99)).toFixed(2)}×` : '';
    console.log(`  ${label.padEnd(44)}${cells.join('')}${`${values.length}/${n}`.padStart(9)}   ${ratio}`.trimEnd());
  };
  const enqueue = seen((r) => r.firstEnqueueMs);
  const login = seen((r) => r.firstLoginMs);
  const checkpoint = seen((r) => r.firstCheckpointMs);
  rowOf('Sentinels: +odown (quorum calls it down)', odown);
  rowOf('Sentinels: +switch-master (new primary)', switchMaster);
  rowOf('… the last Sentinel to switch', seen((r) => r.sentinel.allSwitchedMs));
  rowOf('first successful Enqueue (started after it)', enqueue);
  rowOf('first successful login (AuthenticateDevice)', login);
  rowOf('first checkpoint written (room server)', checkpoint);
  rowOf('first successful Enqueue − +switch-master', seen((r) => (r.firstEnqueueMs === undefined || r.sentinel.switchMasterMs === undefined ? undefined : r.firstEnqueueMs - r.sentinel.switchMasterMs)), false);
  const failedOther = results.reduce((sum, r) => sum + Object.entries(r.enqueue.failed).filter(([name]) => name !== 'UNAVAILABLE').reduce((a, [, c]) => a + c, 0), 0);
  const slowestFailed = Math.max(...results.map((r) => Math.max(r.enqueue.slowestFailedMs, r.login.slowestFailedMs)));
  const games = { reconnects: results.reduce((a, r) => a + r.games.reconnects, 0), ended: results.reduce((a, r) => a + r.games.ended, 0), gap: Math.max(...results.map((r) => r.games.maxSnapshotGapMs)) };
  console.log(
    `  acknowledged writes lost: ${lost} (${last.missing.sessions} of ${last.missing.checked.sessions} sessions, ${last.missing.enqueues} of ${last.missing.checked.enqueues} Enqueues), target 0: ${verdict(lost, { atMost: 0 }, 'writes')}`,
  );
  console.log(`  failed calls after the kills: Enqueue failures other than UNAVAILABLE ${failedOther}; slowest failed call ${slowestFailed.toFixed(0)} ms`);
  console.log(`  games through the failovers: ${games.reconnects} reconnects, ${games.ended} ended, longest snapshot gap ${games.gap.toFixed(0)} ms`);

  const baseline = `Sentinels' +switch-master p99 ${fmt(percentile(switchMaster, 99))} ms (p50 ${fmt(percentile(switchMaster, 50))})`;
  const recovery = (what: string, values: number[]): Figure => ({
    figure: `SIGKILL of the primary → ${what}, p99 over ${n} failovers`,
    unit: 'ms',
    value: percentile(values, 99),
    runs: values,
    baseline,
    ratio: `${(percentile(values, 99) / percentile(switchMaster, 99)).toFixed(2)}× switch-master`,
    note: `p50 ${fmt(percentile(values, 50))} ms; seen in ${values.length} of ${n}; down-after ${fmt(o.downAfterMs)} ms`,
  });
  return [
    recovery('first successful Enqueue', enqueue),
    recovery('first checkpoint written', checkpoint),
    recovery('first successful login', login),
    {
      figure: `acknowledged writes lost over ${n} failovers`,
      unit: 'writes',
      value: lost,
      target: { atMost: 0 },
      note: `checked: ${fmt(last.missing.checked.sessions)} sessions, ${fmt(last.missing.checked.enqueues)} Enqueues; ${o.ackSetting}`,
    },
  ];
}
