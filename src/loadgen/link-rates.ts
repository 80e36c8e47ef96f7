import type { ClientView } from './client-state.js';

/** A client's view at one sample, and when the sample was taken (ms, monotonic). */
export interface LinkSample {
  view: ClientView;
  atMs: number;
}

/** What one client's link did between two samples. */
export interface LinkRates {
  /** Server tick progression seen in snapshot tick numbers, ticks/s; 0 when no snapshot came. */
  tickRate: number;
  /** Snapshots received per second. */
  snapshotRate: number;
}

/** The shortest span between two snapshots over which a tick rate is worth taking. */
const minSpanMs = 500;

/**
 * The rates of one client's link between two samples, or undefined when there is no such link:
 * the client was not playing at both samples, or its link changed (a reconnect, a new game) in between. A link
 * that received nothing in between counts as 0 ticks/s — a stall must show, not vanish.
 */
export function linkRates(before: LinkSample, after: LinkSample): LinkRates | undefined {
  const a = before.view;
  const b = after.view;
  if (a.state !== 'playing' || b.state !== 'playing' || a.game !== b.game || a.linkEpoch !== b.linkEpoch || a.snapshots === 0) return undefined;
  const sampleSec = (after.atMs - before.atMs) / 1000;
  if (sampleSec <= 0) return undefined;
  const snapshotRate = (b.snapshots - a.snapshots) / sampleSec;
  if (b.snapshots === a.snapshots) return { tickRate: 0, snapshotRate };
  const spanMs = b.lastSnapshotMs - a.lastSnapshotMs;
  if (spanMs < minSpanMs) return undefined;
  return { tickRate: (b.lastTick - a.lastTick) / (spanMs / 1000), snapshotRate };
}
