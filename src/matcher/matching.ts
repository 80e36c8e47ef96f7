/** A queued player as the pairing sees it. */
export interface QueuedPlayer {
  playerId: string;
  mmr: number;
  enqueuedAtMs: number;
}

export interface MatchPolicy {
  /** Largest MMR difference for two players who just arrived. */
  mmrTolerance: number;
  /** How much a player's window widens per second of waiting. */
  windowGrowthPerSec: number;
  /** The widest a window gets. */
  windowMax: number;
}

export interface Pair {
  left: QueuedPlayer;
  right: QueuedPlayer;
}

/** The MMR difference a player accepts after waiting since enqueuedAtMs. */
export function mmrWindow(player: QueuedPlayer, nowMs: number, policy: MatchPolicy): number {
  const waitedSec = Math.max(0, nowMs - player.enqueuedAtMs) / 1000;
  return Math.min(policy.windowMax, policy.mmrTolerance + waitedSec * policy.windowGrowthPerSec);
}

/**
 * Pairs players greedily over the queue sorted by MMR: each player is paired with the next one when
 * the difference is within both players' windows, otherwise it waits for the next pass and the scan
 * moves on by one (the seed's loop skipped both). With a fixed window this gives the most pairs
 * possible; no player appears in two pairs.
 */
export function pairPlayers(sortedByMmr: readonly QueuedPlayer[], nowMs: number, policy: MatchPolicy): Pair[] {
  const pairs: Pair[] = [];
  let i = 0;
  while (i + 1 < sortedByMmr.length) {
    const left = sortedByMmr[i]!;
    const right = sortedByMmr[i + 1]!;
    const allowed = Math.min(mmrWindow(left, nowMs, policy), mmrWindow(right, nowMs, policy));
    if (right.mmr - left.mmr <= allowed) {
      pairs.push({ left, right });
      i += 2;
    } else {
      i += 1;
    }
  }
  return pairs;
}
