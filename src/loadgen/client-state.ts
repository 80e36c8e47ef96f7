/** Where a load client is in its loop. */
export type ClientState = 'starting' | 'queued' | 'connecting' | 'playing' | 'reconnecting' | 'backoff' | 'stopped';

export const clientStates: readonly ClientState[] = ['starting', 'queued', 'connecting', 'playing', 'reconnecting', 'backoff', 'stopped'];

/** What the per-second sampler reads from a client: its state and what its current link received. */
export interface ClientView {
  state: ClientState;
  /** Which of the client's games, and which link within it (connect, reconnects): a rate is never taken across two links. */
  game: number;
  linkEpoch: number;
  /** Snapshots received on the current link, the newest one's tick and when it came (ms, monotonic). */
  snapshots: number;
  lastTick: number;
  lastSnapshotMs: number;
}

/** How many clients are in each state. */
export function countStates(views: readonly ClientView[]): Record<ClientState, number> {
  const counts = Object.fromEntries(clientStates.map((s) => [s, 0])) as Record<ClientState, number>;
  for (const view of views) counts[view.state] += 1;
  return counts;
}
