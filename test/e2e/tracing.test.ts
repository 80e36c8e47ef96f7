import { SpanKind } from '@opentelemetry/api';
import { expect } from 'chai';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startGateway } from '../support/gateway-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { UdpPlayer } from '../support/udp-player.js';
import { eventually } from '../support/wait.js';
import { freePort } from '../support/ports.js';
import { deviceIdOf } from '../support/device-id.js';

/** One REST call; the parsed JSON body. */
async function rest(gateway: ServiceProcess, method: string, path: string, token?: string, json?: unknown) {
  const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`http://${gateway.address}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('tracing (real processes exporting OTLP)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let redis: RedisServer;
  const services: ServiceProcess[] = [];

  before(async () => {
    receiver = await OtlpReceiver.start();
    redis = await RedisServer.start();
    const matcher = await startMatcher(redis.url, receiver.env);
    services.push(matcher);
    services.push(await startGateway(matcher.address, receiver.env));
    services.push(await startRoomServer(redis.url, matcher.address, receiver.env, 0));
  });

  after(async () => {
    for (const service of services.reverse()) await service.stop();
    await redis.stop();
    await receiver.stop();
  });

  const find = (predicate: (span: ReceivedSpan) => boolean): ReceivedSpan[] => receiver.spans.filter(predicate);
  const one = (what: string, predicate: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan> =>
    eventually(what, () => find(predicate)[0]);

  it('follows a REST enqueue through the gateway into the Matcher and Redis, links the match to both enqueues and the room accept to the assignment', async () => {
    const [gateway] = [services[1]!];
    const players: { token: string; enqueueHttp?: ReceivedSpan }[] = [];
    for (const device of ['trace-a', 'trace-b']) {
      const session = await rest(gateway, 'POST', '/session', undefined, { device_id: deviceIdOf(device) });
      players.push({ token: session.body.token! });
    }
    for (const player of players) {
      expect((await rest(gateway, 'POST', '/match/enqueue', player.token, { mmr: 1500 })).status).to.equal(200);
    }

    // gateway HTTP span → gateway gRPC client span → Matcher server span → Redis command span, one trace each.
    const httpSpans = await eventually('both enqueue HTTP spans', () => {
      const spans = find((s) => s.service === 'gateway' && s.name === 'POST /match/enqueue');
      return spans.length === 2 ? spans : undefined;
    });
    const serverEnqueues: ReceivedSpan[] = [];
    for (const http of httpSpans) {
      expect(http.kind).to.equal(SpanKind.SERVER + 1); // OTLP numbers kinds from 1 (INTERNAL)
      const client = await one('the gateway client span', (s) => s.parentSpanId === http.spanId && s.name === 'mini.matcher.v1.Matcher/Enqueue');
      expect(client.service).to.equal('gateway');
      const server = await one('the Matcher server span', (s) => s.parentSpanId === client.spanId);
      expect(server).to.include({ service: 'matcher', name: 'mini.matcher.v1.Matcher/Enqueue', traceId: http.traceId });
      const redisCommand = await one('a Redis span under the Matcher span', (s) => s.parentSpanId === server.spanId);
      expect(redisCommand.service).to.equal('matcher');
      expect(redisCommand.attributes['db.system'] ?? redisCommand.attributes['db.system.name']).to.equal('redis');
      serverEnqueues.push(server);
    }

    // The match is made asynchronously: its span links to each player's enqueue.
    const match = await one('the match span', (s) => s.service === 'matcher' && s.name === 'match');
    expect(match.links.map((l) => l.spanId)).to.have.members(serverEnqueues.map((s) => s.spanId));
    expect(match.parentSpanId, 'the match is a trace of its own').to.equal('');
    for (const enqueue of serverEnqueues) {
      const strays = find((s) => s.service === 'matcher' && s.traceId === enqueue.traceId && s !== enqueue && s.parentSpanId !== enqueue.spanId);
      expect(strays.map((s) => s.name), 'matching passes do not join an enqueue trace').to.deep.equal([]);
    }

    // The token GetAssignment issues carries that call's context; the room's accept links to it.
    const status = await eventually('an assignment', async () => {
      const res = await rest(gateway, 'GET', '/match/status', players[0]!.token);
      return res.status === 200 ? res.body : undefined;
    });
    const player = await UdpPlayer.connect(status.room_addr!, status.connect_token!);
    try {
      const accept = await one('the room accept span', (s) => s.service === 'room' && s.name === 'room.accept_connect');
      expect(accept.links).to.have.length(1);
      const [link] = accept.links;
      const issuer = await one('the span the accept links to', (s) => s.spanId === link!.spanId);
      expect(issuer).to.include({ service: 'matcher', name: 'mini.matcher.v1.Matcher/GetAssignment', traceId: link!.traceId });
    } finally {
      await player.leave();
    }
  });

  it('serves every request when the collector is down (spans are dropped, never waited for)', async () => {
    const deadCollector = `http://127.0.0.1:${await freePort()}`;
    const matcher = services[0]!;
    const gateway = await startGateway(matcher.address, { ...receiver.env, OTEL_EXPORTER_OTLP_ENDPOINT: deadCollector });
    try {
      for (let i = 0; i < 20; i++) {
        const session = await rest(gateway, 'POST', '/session', undefined, { device_id: deviceIdOf(`collector-down-${i}`) });
        expect(session.status).to.equal(200);
      }
    } finally {
      expect(await gateway.stop(), 'a clean exit within the shutdown deadline').to.equal(0);
    }
  });

  it('a collector that takes the connection and never answers does not hold shutdown past its deadline', async () => {
    // Buffered spans get what is left of the deadline to reach it, not a fixed second that would overrun 900 ms.
    const sockets: Socket[] = [];
    const hungCollector = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    try {
      await once(hungCollector, 'listening');
      const { port } = hungCollector.address() as { port: number };
      const gateway = await startGateway(services[0]!.address, {
        ...receiver.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        SHUTDOWN_DEADLINE_MS: '900',
      });
      let exitCode: number | null;
      try {
        const session = await rest(gateway, 'POST', '/session', undefined, { device_id: deviceIdOf('collector-hung') });
        expect(session.status).to.equal(200);
      } finally {
        exitCode = await gateway.stop();
      }
      expect(sockets.length, 'the exporter reached the collector').to.be.greaterThan(0);
      expect(exitCode, 'a clean exit within the shutdown deadline').to.equal(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      hungCollector.close();
    }
  });
});
