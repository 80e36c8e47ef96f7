import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';

const host = '127.0.0.1';

/** One event a Sentinel published (`+sdown`, `+odown`, `+switch-master`, …), with when this process got it. */
export interface SentinelEvent {
  channel: string;
  message: string;
  sentinel: number;
  atMs: number;
}

/**
 * Listens to every Sentinel's event channels (PSUBSCRIBE *), so a failover can be timed step by
 * step against the Sentinels' own clock of it: primary called down by this Sentinel (`+sdown`), by a
 * quorum (`+odown`), replica promoted (`+promoted-slave`), new primary announced (`+switch-master`).
 */
export class SentinelWatch {
  readonly events: SentinelEvent[] = [];

  private constructor(private readonly subscribers: Redis[]) {}

  static async start(ports: number[]): Promise<SentinelWatch> {
    const subscribers = ports.map((port) => new Redis(port, host, { lazyConnect: true, maxRetriesPerRequest: 0 }));
    const watch = new SentinelWatch(subscribers);
    await Promise.all(
      subscribers.map(async (sub, i) => {
        sub.on('error', () => {});
        sub.on('pmessage', (_pattern: string, channel: string, message: string) =>
          watch.events.push({ channel, message, sentinel: ports[i]!, atMs: performance.now() }),
        );
        await sub.connect();
        await sub.psubscribe('*');
      }),
    );
    return watch;
  }

  /** When the first Sentinel published `channel` at or after `sinceMs` (performance.now clock). */
  first(channel: string, sinceMs: number): number | undefined {
    return this.events.find((e) => e.channel === channel && e.atMs >= sinceMs)?.atMs;
  }

  /** When the last of `sentinels` Sentinels had published `channel` at or after `sinceMs`; undefined until all have. */
  all(channel: string, sinceMs: number, sentinels: number): number | undefined {
    const firsts = new Map<number, number>();
    for (const e of this.events) if (e.channel === channel && e.atMs >= sinceMs && !firsts.has(e.sentinel)) firsts.set(e.sentinel, e.atMs);
    return firsts.size < sentinels ? undefined : Math.max(...firsts.values());
  }

  close(): void {
    for (const sub of this.subscribers) sub.disconnect();
  }
}

/** A Sentinel's view of one primary: where it is, its replicas, the other Sentinels, its failover time-out. */
export interface SentinelView {
  port: number;
  replicas: number;
  otherSentinels: number;
  failoverTimeoutMs: number;
}

/** What one Sentinel says of `master` (SENTINEL master): undefined when it does not answer. */
export async function sentinelView(sentinelPort: number, master: string): Promise<SentinelView | undefined> {
  const client = new Redis(sentinelPort, host, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    const flat = (await client.call('SENTINEL', 'master', master)) as string[];
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
    return {
      port: Number(fields.get('port')),
      replicas: Number(fields.get('num-slaves')),
      otherSentinels: Number(fields.get('num-other-sentinels')),
      failoverTimeoutMs: Number(fields.get('failover-timeout')),
    };
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * Waits until every Sentinel names `primaryPort` as the primary and knows `replicas` replicas and the
 * other Sentinels: the layout is settled and a new failover starts from a clean state.
 */
export async function untilSentinelsAgree(sentinelPorts: number[], master: string, primaryPort: number, replicas: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(sentinelPorts.map((port) => sentinelView(port, master)));
    const settled = views.every((v) => v !== undefined && v.port === primaryPort && v.replicas >= replicas && v.otherSentinels >= sentinelPorts.length - 1);
    if (settled) return;
    if (performance.now() > deadline) throw new Error(`the Sentinels did not agree on primary ${primaryPort} with ${replicas} replicas within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
