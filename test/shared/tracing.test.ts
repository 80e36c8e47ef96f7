import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createLogger } from '../../src/shared/logger.js';
import { closeRedis, createRedis, waitForRedis } from '../../src/shared/redis/client.js';
import { currentTraceParent, linksTo, tracer } from '../../src/shared/telemetry/trace-context.js';
import { startTracing, type Tracing } from '../../src/shared/telemetry/tracing.js';
import { RedisServer } from '../support/redis-server.js';

describe('tracing (in-process, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const lines: string[] = [];
  const log = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
  let tracing: Tracing;
  let server: RedisServer;
  let redis: Redis;

  before(async () => {
    tracing = startTracing({ service: 'test', enabled: true, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    server = await RedisServer.start();
    redis = createRedis({ url: server.url, commandTimeoutMs: 1000, maxReconnectDelayMs: 100, connectionName: 'test' }, pino({ level: 'silent' }));
    await waitForRedis(redis, 3000);
  });

  after(async () => {
    await closeRedis(redis);
    await server.stop();
    await tracing.shutdown(() => 1000);
    // Leave no global tracer behind for the other tests of this process.
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });

  it('records each Redis command as a child of the span that issued it, and none outside a span', async () => {
    await redis.set('outside', '1');
    await tracer.startActiveSpan('operation', async (span) => {
      await redis.set('inside', '1');
      span.end();
    });
    const spans = exporter.getFinishedSpans();
    const operation = spans.find((s) => s.name === 'operation')!;
    const commands = spans.filter((s) => s.name !== 'operation');
    expect(commands.map((s) => s.name)).to.deep.equal(['set']);
    expect(commands[0]!.parentSpanContext?.spanId).to.equal(operation.spanContext().spanId);
  });

  it('puts the trace and span id on log lines written inside a span, and not outside', async () => {
    let ids = { traceId: '', spanId: '' };
    tracer.startActiveSpan('operation', (span) => {
      ids = span.spanContext();
      log.info('inside');
      span.end();
    });
    log.info('outside');
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).to.include({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(outside).to.have.property('msg', 'outside');
    expect(outside).not.to.have.property('trace_id');
  });

  it('stores a span as a traceparent that a later span can link to', () => {
    let stored = '';
    let ids = { traceId: '', spanId: '' };
    tracer.startActiveSpan('enqueue', (span) => {
      stored = currentTraceParent();
      ids = span.spanContext();
      span.end();
    });
    expect(stored).to.equal(`00-${ids.traceId}-${ids.spanId}-01`);
    const [link] = linksTo(stored);
    expect(link?.context).to.include({ traceId: ids.traceId, spanId: ids.spanId });
    expect(linksTo('')).to.deep.equal([]);
    expect(linksTo('garbage')).to.deep.equal([]);
    expect(currentTraceParent()).to.equal('');
  });
});
