/**
 * A read shared by the gauges that show parts of it: while one call is in flight, every other call
 * gets the same promise. Prometheus collects a registry's gauges together, so one scrape reads once.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = undefined;
    }));
}
