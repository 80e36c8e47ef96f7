import type { Logger } from 'pino';

/** Milliseconds left before the shutdown deadline (0 once it has passed). */
export type TimeLeft = () => number;

/**
 * Runs the shutdown steps once on SIGTERM or SIGINT, in order, under a deadline; exits 0 when they
 * finish and 1 when the deadline passes first. A second signal exits at once. The steps are told how
 * much of the deadline is left, so each can bound its own wait.
 */
export function onShutdown(log: Logger, deadlineMs: number, steps: (timeLeft: TimeLeft) => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, deadline_ms: deadlineMs }, 'shutting down');
    const deadlineAt = performance.now() + deadlineMs;
    const timer = setTimeout(() => {
      log.error({ deadline_ms: deadlineMs }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    steps(() => Math.max(0, deadlineAt - performance.now())).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Runs a service's main and turns a start-up failure into one log line and exit status. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`fatal: ${message}\n`);
    process.exit(err instanceof Error && err.name === 'ConfigError' ? 2 : 1);
  });
}
