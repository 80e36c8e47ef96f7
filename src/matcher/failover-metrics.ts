import { Counter, Histogram, type Registry } from 'prom-client';

/** Why rooms moved: the server's lease lapsed, its players reported it (and it was late), or it drained. */
export type MoveCause = 'lease_lost' | 'reported' | 'drain';

export const moveCauses: MoveCause[] = ['lease_lost', 'reported', 'drain'];

/** Metrics of moving rooms off lost and draining room servers. */
export class FailoverMetrics {
  private readonly moves: Counter<'cause'>;
  private readonly delay: Histogram<'cause'>;
  private readonly unmovable: Counter<'cause'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.moves = new Counter({ name: 'room_moves_total', help: 'Rooms moved to another room server, by cause', labelNames: ['cause'] as const, registers });
    this.delay = new Histogram({
      name: 'room_move_delay_seconds',
      help: "Time from the server's last heartbeat (drain: from the Deregister call) to the move of its rooms",
      labelNames: ['cause'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60],
      registers,
    });
    this.unmovable = new Counter({
      name: 'room_ended_unmovable_total',
      help: 'Rooms of a lost server ended as END_REASON_SERVER_LOST (no checkpoint left, or no capacity in time), by cause',
      labelNames: ['cause'] as const,
      registers,
    });
    for (const cause of moveCauses) {
      this.moves.inc({ cause }, 0);
      this.unmovable.inc({ cause }, 0);
      this.delay.zero({ cause });
    }
  }

  /** One server's rooms handled: `moved` rooms after `delayMs`, `ended` rooms that could not move. */
  record(cause: MoveCause, moved: number, ended: number, delayMs: number): void {
    if (moved > 0) {
      this.moves.inc({ cause }, moved);
      this.delay.observe({ cause }, Math.max(0, delayMs) / 1000);
    }
    this.unmovable.inc({ cause }, ended);
  }
}
