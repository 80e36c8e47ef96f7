import { SseClient } from '../../test/support/sse-client.js';

/** How hard one client churns watches, and how many bystanders watch and call meanwhile. */
export interface SseChurnOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /**
   * The attacker's session tokens (one client, several accounts): each has one watch in flight at a
   * time, so the Matcher's cap on watches per player never ends one of them before it is dropped.
   */
  attackerTokens: string[];
  /** Bystanders' session tokens: each holds one watch open and makes calls the whole time. */
  bystanderTokens: string[];
  /** Longest the attack lasts. */
  durationMs: number;
  /** The attack stops early once this many watches were churned (default: no such target). */
  targetChurns?: number;
  /** Pause between one bystander's calls. */
  bystanderCallGapMs: number;
}

/** What the attacker managed and what the bystanders saw. */
export interface SseChurnReport {
  /** Watches the attacker opened and dropped. */
  churned: number;
  /** Of those, how many the gateway refused (429 from the rate limit, 503, …), by status. */
  attackerRefusals: Record<string, number>;
  bystanderCalls: number;
  /** Every bystander call that did not answer as it should (GET /match/status → 404), as "status code". */
  bystanderCallErrors: string[];
  /** Every bystander watch that ended, failed or sent an error event before the end. */
  bystanderWatchErrors: string[];
}

/**
 * One client opens GET /match/watch and drops it as fast as it can, again and again (each drop makes
 * the gateway cancel a Matcher stream), while bystanders hold a watch each and call GET /match/status
 * in a loop. A gateway that lets one client's cancellations hurt others shows it as bystander errors.
 */
export async function churnSseWatches(options: SseChurnOptions): Promise<SseChurnReport> {
  const report: SseChurnReport = { churned: 0, attackerRefusals: {}, bystanderCalls: 0, bystanderCallErrors: [], bystanderWatchErrors: [] };
  const watchUrl = `${options.baseUrl}/match/watch`;
  const watches = await Promise.all(options.bystanderTokens.map((token) => SseClient.open(watchUrl, token)));
  const ended = watches.map(() => false);
  for (const [i, watch] of watches.entries()) {
    if (watch.response.status !== 200) report.bystanderWatchErrors.push(`bystander ${i}: watch answered ${watch.response.status}`);
    void watch.closed.then(() => (ended[i] = true));
  }
  const stopAtMs = Date.now() + options.durationMs;
  const target = options.targetChurns ?? Infinity;
  const running = (): boolean => Date.now() < stopAtMs && report.churned < target;
  const attackers = options.attackerTokens.map((token) => attack(watchUrl, token, running, report));
  const bystanders = options.bystanderTokens.map((token) => bystand(options, token, running, report));
  await Promise.all([...attackers, ...bystanders]);
  for (const [i, watch] of watches.entries()) {
    // A held watch must still be open, with nothing but its first status.
    const failed = watch.events.find((e) => e.event !== 'status');
    if (failed) report.bystanderWatchErrors.push(`bystander ${i}: event ${failed.event} ${JSON.stringify(failed.data)}`);
    if (watch.error !== undefined) report.bystanderWatchErrors.push(`bystander ${i}: stream failed: ${String(watch.error)}`);
    if (ended[i] && !failed && watch.error === undefined) report.bystanderWatchErrors.push(`bystander ${i}: stream ended early`);
    watch.abort();
    await watch.closed;
  }
  return report;
}

async function attack(url: string, token: string, running: () => boolean, report: SseChurnReport): Promise<void> {
  while (running()) {
    const abort = new AbortController();
    try {
      // Headers come with the first status, so the Matcher stream is open when this resolves.
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
      if (response.status !== 200) {
        report.attackerRefusals[response.status] = (report.attackerRefusals[response.status] ?? 0) + 1;
        await response.body?.cancel();
      }
    } catch {
      // A refused or reset connection is the attacker's own problem.
    }
    abort.abort();
    report.churned++;
  }
}

async function bystand(options: SseChurnOptions, token: string, running: () => boolean, report: SseChurnReport): Promise<void> {
  while (running()) {
    report.bystanderCalls++;
    try {
      const response = await fetch(`${options.baseUrl}/match/status`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { code?: string };
      if (response.status !== 404) report.bystanderCallErrors.push(`${response.status} ${body.code}`);
    } catch (err) {
      report.bystanderCallErrors.push(`no answer: ${String(err)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.bystanderCallGapMs));
  }
}
