import { performance } from 'node:perf_hooks';

/** How often the event loop is probed. */
const probeIntervalMs = 10;

/**
 * Measures this process's event-loop lag: a timer due every 10 ms reports how late it fired. Every
 * client-side latency includes that lag, so it tells a slow load generator from a slow server.
 */
export function watchLoopLag(onLag: (lagMs: number) => void): { stop(): void } {
  let dueMs = performance.now() + probeIntervalMs;
  const timer = setInterval(() => {
    const nowMs = performance.now();
    onLag(Math.max(0, nowMs - dueMs));
    dueMs = nowMs + probeIntervalMs;
  }, probeIntervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
