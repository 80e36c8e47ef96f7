/**
 * How long after a room's first sighting another sighting of it may still come. The two players of
 * a match are assigned in the same pass, connect within the client's 15 s connect deadline and see
 * their game end at the same tick (or within a reconnect): minutes is ample.
 */
export const roomSightingHorizonMs = 5 * 60_000;

/**
 * Counts distinct rooms (one kind of sighting: assigned, connected, completed) while holding only
 * the rooms first seen within the horizon, so memory is bounded by the rate of new rooms, not by the
 * length of the run. Exact as long as every sighting of a room comes within the horizon of its
 * first. Times are ms on one clock that never goes back.
 */
export class DistinctRooms {
  private total = 0;
  /** Room → when first seen; a Map keeps insertion order, which is time order. */
  private readonly recent = new Map<string, number>();

  constructor(private readonly horizonMs: number = roomSightingHorizonMs) {}

  /** A sighting at `atMs`; true when it is the room's first. */
  add(roomId: string, atMs: number): boolean {
    for (const [id, firstMs] of this.recent) {
      if (atMs - firstMs < this.horizonMs) break;
      this.recent.delete(id);
    }
    if (this.recent.has(roomId)) return false;
    this.recent.set(roomId, atMs);
    this.total += 1;
    return true;
  }

  /** Distinct rooms seen over the run. */
  get size(): number {
    return this.total;
  }

  /** Room ids held now (those first seen within the horizon). */
  get held(): number {
    return this.recent.size;
  }
}
