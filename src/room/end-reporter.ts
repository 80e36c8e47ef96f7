import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { GameResult } from '../gen/mini/room/v1/registry.js';
import { statusOf, type RegistryCalls, type RegistryLink } from './registry-link.js';

/** NOT_FOUND (lease unknown) answers tolerated per room: the server registers again after each. */
const maxNotFound = 3;

/**
 * Reports finished games to the Matcher (ReportRoomEnded, which deletes room_map and frees the
 * slot), retrying until acknowledged. The call is idempotent, so a retry after a lost answer is safe.
 */
export class EndReporter {
  private readonly pending = new Map<string, { result: GameResult; failures: number; notFound: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly calls: RegistryCalls,
    private readonly link: RegistryLink,
    private readonly retryMs: number,
    private readonly log: Logger,
  ) {}

  enqueue(roomId: string, result: GameResult): void {
    this.pending.set(roomId, { result, failures: 0, notFound: 0 });
    if (!this.running) void this.attempt();
  }

  isPending(roomId: string): boolean {
    return this.pending.has(roomId);
  }

  /** One last attempt for everything pending (shutdown); overlapping a retry in flight is harmless, the call is idempotent. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    await this.pass();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.pending.clear();
  }

  private async attempt(): Promise<void> {
    // One retry chain at a time: an enqueue between retries starts the next attempt early.
    clearTimeout(this.timer);
    this.running = true;
    try {
      await this.pass();
    } finally {
      this.running = false;
    }
    if (this.pending.size > 0) this.timer = setTimeout(() => void this.attempt(), this.retryMs);
  }

  private async pass(): Promise<void> {
    const serverId = this.link.serverId;
    if (serverId === undefined) return;
    await Promise.all([...this.pending].map(([roomId, entry]) => this.report(serverId, roomId, entry)));
  }

  private async report(serverId: string, roomId: string, entry: { result: GameResult; failures: number; notFound: number }): Promise<void> {
    try {
      const { ended } = await this.calls.reportRoomEnded({ serverId, roomId, result: entry.result });
      this.pending.delete(roomId);
      this.log.info({ room_id: roomId, ended, winner_id: entry.result.winnerId }, 'room end reported');
    } catch (err) {
      const code = statusOf(err);
      const fields = { room_id: roomId, code: status[code], err: (err as Error).message };
      if (code === status.NOT_FOUND && ++entry.notFound < maxNotFound) {
        this.log.warn(fields, 'room end not accepted on this lease: registering again');
        this.link.invalidate(serverId);
      } else if (code === status.NOT_FOUND || code === status.PERMISSION_DENIED || code === status.INVALID_ARGUMENT) {
        this.pending.delete(roomId);
        this.log.error(fields, 'room end not accepted: giving up');
      } else if (entry.failures++ === 0) {
        this.log.warn(fields, 'room end not reported yet: retrying');
      }
    }
  }
}
