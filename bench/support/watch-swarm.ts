import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { MatcherClient, TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { inBatches } from './room-stack.js';

/** One WatchAssignment stream and when (performance.now(), ms) its messages came. */
export interface Watch {
  call: ClientReadableStream<WatchAssignmentResponse> | undefined;
  openedAtMs: number;
  firstAtMs: number | undefined;
  assignedAtMs: number | undefined;
  /** Why the stream ended early (anything but our own cancel), if it did. */
  error: string | undefined;
}

/**
 * Many WatchAssignment streams from one process, spread round-robin over `channels` grpc-js clients,
 * each with its own HTTP/2 connection (a local subchannel pool: clients with equal options would
 * otherwise share one connection). Node's HTTP/2 server allows 2^32-1 concurrent streams per
 * connection by default and grpc-js sets no limit unless `grpc.max_concurrent_streams` is given, so
 * the spreading is for realism (many clients, many connections), not to get under a cap.
 */
export class WatchSwarm {
  readonly watches: Watch[] = [];
  private readonly clients: MatcherClient[];
  private closing = false;

  constructor(address: string, channels: number) {
    this.clients = Array.from(
      { length: channels },
      () => new MatcherClient(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    );
  }

  /**
   * Opens one stream per token with at most `width` waiting for their first message at a time;
   * resolves when every stream got its first message, failed, or waited `timeoutMs`.
   */
  async open(tokens: string[], width: number, timeoutMs = 30_000): Promise<void> {
    await inBatches(tokens.length, width, (i) => this.openOne(tokens[i]!, i, timeoutMs));
  }

  /** Streams that got their first message / their ASSIGNED message / ended with an error. */
  get counts(): { first: number; assigned: number; failed: number } {
    let first = 0;
    let assigned = 0;
    let failed = 0;
    for (const w of this.watches) {
      if (w.firstAtMs !== undefined) first += 1;
      if (w.assignedAtMs !== undefined) assigned += 1;
      if (w.error !== undefined) failed += 1;
    }
    return { first, assigned, failed };
  }

  /** Cancels every stream and closes the clients. */
  close(): void {
    this.closing = true;
    for (const w of this.watches) w.call?.cancel();
    for (const client of this.clients) client.close();
  }

  private openOne(token: string, i: number, timeoutMs: number): Promise<void> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const watch: Watch = { call: undefined, openedAtMs: performance.now(), firstAtMs: undefined, assignedAtMs: undefined, error: undefined };
    this.watches[i] = watch;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        watch.error ??= `no first message within ${timeoutMs} ms`;
        resolve();
      }, timeoutMs);
      const call = this.clients[i % this.clients.length]!.watchAssignment({}, metadata);
      watch.call = call;
      call.on('data', (message: WatchAssignmentResponse) => {
        const now = performance.now();
        if (watch.firstAtMs === undefined) {
          watch.firstAtMs = now;
          clearTimeout(timer);
          resolve();
        }
        if (message.status === TicketStatus.TICKET_STATUS_ASSIGNED) watch.assignedAtMs ??= now;
      });
      call.on('error', (err: ServiceError) => {
        if (!(this.closing && err.code === status.CANCELLED)) watch.error ??= `${status[err.code]}: ${err.details}`;
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
