import type { StatsLine } from './room-stack.js';
import type { StoredTickRate } from './seed-stack.js';

/** "Held 60 ticks/s": every stats line of the run at least this (as bench:rooms counts a level sustained). */
export const minTickRate = 59.5;
export const maxMatcherP99Ms = 50;
export const maxRedisCpuPercent = 10;

/** One room server over the run: from its own stats lines, and from what the Matcher stored in Redis. */
export interface ServerFigures {
  addr: string;
  /** Stats lines with a tick rate in the run's window. */
  statsLines: number;
  minTickRate: number;
  meanTickRate: number;
  storedMinTickRate: number;
  peakRooms: number;
  maxTickP99Ms: number;
}

/** A row of the verdict: what, the figure, the target, and PASS / FAIL (undefined: shown, not judged). */
export interface CheckRow {
  check: string;
  figure: string;
  target: string;
  pass: boolean | undefined;
}

/** A server's figures from its stats lines and the stored readings of its address. */
export function serverFigures(addr: string, lines: StatsLine[], stored: StoredTickRate[]): ServerFigures {
  // Fields a line may lack (a server that has not measured yet) count as nothing rather than NaN.
  const rates = lines.map((l) => l.tick_rate).filter((r) => Number.isFinite(r));
  const storedRates = stored.filter((s) => s.addr === addr && Number.isFinite(s.tickRate)).map((s) => s.tickRate);
  return {
    addr,
    statsLines: rates.length,
    minTickRate: rates.length > 0 ? Math.min(...rates) : Number.NaN,
    meanTickRate: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : Number.NaN,
    storedMinTickRate: storedRates.length > 0 ? Math.min(...storedRates) : Number.NaN,
    peakRooms: Math.max(0, ...lines.map((l) => l.active_rooms ?? 0)),
    maxTickP99Ms: Math.max(0, ...lines.map((l) => l.tick_duration_p99_ms ?? 0)),
  };
}

/** The seed's three checks (seed §10/§11.3): 60 ticks/s on every room server, Matcher p99 < 50 ms, Redis CPU < 10 %. */
export function seedChecks(input: { servers: ServerFigures[]; matcherP99Ms: number; matcherCalls: number; redisCpuPercent: number }): CheckRow[] {
  const rows: CheckRow[] = input.servers.map((s) => ({
    check: `room server ${s.addr} tick rate`,
    figure: `min ${s.minTickRate.toFixed(2)}, mean ${s.meanTickRate.toFixed(2)} ticks/s over ${s.statsLines} stats lines (Redis heartbeats: min ${s.storedMinTickRate.toFixed(2)}); peak ${s.peakRooms} rooms, tick p99 ≤ ${s.maxTickP99Ms.toFixed(1)} ms`,
    target: `≥ ${minTickRate} every second`,
    pass: s.statsLines > 0 && s.minTickRate >= minTickRate,
  }));
  rows.push({
    check: 'Matcher p99 (client-side, unary calls)',
    figure: `${input.matcherP99Ms.toFixed(1)} ms over ${input.matcherCalls} calls`,
    target: `< ${maxMatcherP99Ms} ms`,
    pass: input.matcherCalls > 0 && input.matcherP99Ms < maxMatcherP99Ms,
  });
  rows.push({
    check: 'Redis CPU (INFO used_cpu_sys + used_cpu_user)',
    figure: `${input.redisCpuPercent.toFixed(2)} % of one core`,
    target: `< ${maxRedisCpuPercent} %`,
    pass: input.redisCpuPercent < maxRedisCpuPercent,
  });
  return rows;
}
