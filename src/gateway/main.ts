import type { AddressInfo } from 'node:net';
import { loadGatewayConfig } from '../shared/config/gateway.js';
import { onShutdown, runMain } from '../shared/lifecycle.js';
import { announceListening, createLogger } from '../shared/logger.js';
import { createMetricsRegistry, startMetricsServer } from '../shared/metrics/metrics-server.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { createHttpServer } from './http.js';
import { connectMatcher } from './matcher-rpc.js';
import { registerRoutes } from './routes.js';
import { WatchRelay } from './watch-relay.js';

runMain(async () => {
  const config = loadGatewayConfig(process.argv, process.env);
  const tracing = startTracing({ service: 'gateway', enabled: config.telemetry.tracingEnabled });
  const log = createLogger('gateway', config.logLevel);
  const registry = createMetricsRegistry();
  const rpc = connectMatcher(config.matcherTarget, {
    rpcDeadlineMs: config.rpcDeadlineMs,
    watch: {
      channels: config.watchChannels,
      // The relay ends a stream at its deadline; the Matcher's is a backstop a minute later.
      streamDeadlineMs: config.watchDeadlineMs + 60_000,
      maxClosing: config.maxClosingWatches,
      registry,
    },
  });
  const watches = new WatchRelay(
    rpc.watches,
    { firstMessageMs: config.rpcDeadlineMs, streamMs: config.watchDeadlineMs, keepaliveMs: config.sseKeepaliveMs },
    log,
  );
  const app = await createHttpServer({ bodyLimitBytes: config.bodyLimitBytes, limits: config.http, log, registry });
  registerRoutes(app, rpc, watches, config.rateLimits);
  // Open event streams would hold the server open: end them once it stops accepting.
  app.addHook('preClose', (done) => {
    watches.endAll();
    done();
  });

  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as AddressInfo;
  const metricsServer = await startMetricsServer(registry, config.host, config.telemetry.metricsPort);
  announceListening(log, 'gateway', config.host, port, { matcher: config.matcherTarget, metrics_port: metricsServer.port });

  onShutdown(log, config.shutdownDeadlineMs, async (timeLeft) => {
    await app.close();
    rpc.close();
    await metricsServer.close();
    await tracing.shutdown(timeLeft);
  });
});
