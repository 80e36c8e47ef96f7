import type { ServiceProcess } from './service-process.js';

/** How a service that should have refused to start ended: what it printed and how long it took. */
export interface Refusal {
  /** The exit status and the output, as ServiceProcess.start reports a service that exited. */
  message: string;
  elapsedMs: number;
}

/**
 * Starts a service that must refuse to start; a service that starts anyway is stopped and the
 * refusal says so ('it started'), for the test's expectations to fail on.
 */
export async function startRefused(start: () => Promise<ServiceProcess>): Promise<Refusal> {
  const startedAt = performance.now();
  const message = await start().then(
    async (service) => {
      await service.stop();
      return `it started:\n${service.output.join('\n')}`;
    },
    (err: Error) => err.message,
  );
  return { message, elapsedMs: performance.now() - startedAt };
}
