import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { SlowBodyAttack } from '../../bench/attacks/slow-body.js';
import { deviceIdOf } from '../support/device-id.js';
import { GatewayFixture } from '../support/gateway-fixture.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { requestFrom } from './http-from.js';

/** A gateway whose process may hold only `openFiles` file descriptors, as a small model of a full server. */
function startLimitedGateway(matcherAddress: string, openFiles: number, env: Record<string, string>): Promise<ServiceProcess> {
  return startService('src/gateway/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', matcherAddress], env, {
    wrap: ['prlimit', `--nofile=${openFiles}`, '--'],
  });
}

describe('Gateway against slow clients (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;
  let gateway: ServiceProcess;
  const attacks: SlowBodyAttack[] = [];

  before(async () => {
    fx = await GatewayFixture.start();
    // 300 descriptors, of which the gateway itself uses a few dozen: 400 slow clients would take the rest.
    gateway = await startLimitedGateway(fx.matcher.address, 300, {
      GATEWAY_REQUEST_TIMEOUT_MS: '2000',
      GATEWAY_HEADERS_TIMEOUT_MS: '1000',
      GATEWAY_MAX_CONNECTIONS: '200',
      GATEWAY_MAX_CONNECTIONS_PER_IP: '100',
    });
  });
  afterEach(() => attacks.splice(0).forEach((a) => a.stop()));
  after(async () => {
    await gateway?.stop();
    await fx?.stop();
  });

  it('serves another client at once while 400 connections send a body byte a second, and times every slow one out', async () => {
    const attack = await SlowBodyAttack.open({ host: '127.0.0.1', port: gateway.port, sockets: 400, byteIntervalMs: 1000 });
    attacks.push(attack);
    expect(attack.open, 'slow connections held').to.be.greaterThan(0);

    // Another client: its login must be answered before this 1 s deadline aborts it.
    const login = await requestFrom(fx.url('/session', gateway), {
      method: 'POST',
      localAddress: '127.0.0.2',
      json: { device_id: deviceIdOf('slow-clients-bystander') },
      signal: AbortSignal.timeout(1000),
    });
    expect(login.status).to.equal(200);
    expect(login.body?.token).to.be.a('string');
    expect(attack.open, 'slow connections still held while the login was served').to.be.greaterThan(0);

    // The attacker keeps sending; the server ends every connection anyway (408 for the ones it held).
    await eventually('every slow connection closed by the gateway', () => attack.open === 0, 10000);
    const answers = attack.connections.map((c) => c.answer);
    expect(answers.filter((a) => a?.startsWith('HTTP/1.1 408')).length, 'held connections answered 408').to.be.greaterThan(0);
    expect((await requestFrom(fx.url('/healthz', gateway), { signal: AbortSignal.timeout(1000) })).status).to.equal(200);
  });

  it('closes connections past the per-address cap at once, and keeps serving the ones within it and other addresses', async () => {
    const within = await SlowBodyAttack.open({ host: '127.0.0.1', port: gateway.port, sockets: 100, byteIntervalMs: 200 });
    attacks.push(within);
    const past = await SlowBodyAttack.open({ host: '127.0.0.1', port: gateway.port, sockets: 20, byteIntervalMs: 200 });
    attacks.push(past);
    await eventually('the connections past the cap closed', () => past.open === 0, 1000);
    expect(past.connections.every((c) => c.answer === undefined), 'closed without an answer').to.equal(true);
    expect(within.open, 'the ones within the cap still held').to.equal(100);
    const other = await requestFrom(fx.url('/healthz', gateway), { localAddress: '127.0.0.2', signal: AbortSignal.timeout(1000) });
    expect(other.status).to.equal(200);
  });
});

/** A keep-alive connection that sends GET /healthz when asked, and resolves with the status line. */
class KeepAliveClient {
  private readonly socket: Socket;
  private received = '';
  closed = false;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.socket.once('close', () => (this.closed = true));
  }

  /** Sends one request; resolves with its status line, or undefined when the server closed instead. */
  async healthz(): Promise<string | undefined> {
    this.received = '';
    this.socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await eventually('an answer or the close', () => this.closed || /\r\n\r\n\{"ok":true\}/.test(this.received), 2000);
    return this.received ? this.received.split('\r\n')[0] : undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('Gateway connection cap (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;
  let gateway: ServiceProcess;
  const clients: KeepAliveClient[] = [];

  before(async () => {
    fx = await GatewayFixture.start();
    gateway = await startService('src/gateway/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', fx.matcher.address], {
      GATEWAY_MAX_CONNECTIONS: '20',
      GATEWAY_MAX_CONNECTIONS_PER_IP: '0',
    });
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await gateway?.stop();
    await fx?.stop();
  });

  it('closes connections past GATEWAY_MAX_CONNECTIONS unanswered; the 20 it holds keep being served', async () => {
    const held = Array.from({ length: 20 }, () => new KeepAliveClient(gateway.port));
    clients.push(...held);
    for (const client of held) expect(await client.healthz()).to.equal('HTTP/1.1 200 OK');
    const extra = Array.from({ length: 5 }, () => new KeepAliveClient(gateway.port));
    clients.push(...extra);
    for (const client of extra) expect(await client.healthz(), 'past the cap').to.equal(undefined);
    for (const client of held) expect(await client.healthz(), 'within the cap, on the same connection').to.equal('HTTP/1.1 200 OK');
  });
});

describe('Gateway time-outs and open watches (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;

  before(async () => {
    fx = await GatewayFixture.start({
      GATEWAY_REQUEST_TIMEOUT_MS: '500',
      GATEWAY_HEADERS_TIMEOUT_MS: '500',
      GATEWAY_KEEPALIVE_TIMEOUT_MS: '500',
      GATEWAY_RPC_DEADLINE_MS: '400',
      GATEWAY_SOCKET_IDLE_TIMEOUT_MS: '600',
      GATEWAY_SSE_KEEPALIVE_MS: '100',
    });
  });
  after(async () => fx?.stop());

  it('an open watch outlives the request, keep-alive and idle time-outs: its keepalive comments count', async () => {
    const p = await fx.player();
    const watch = await fx.watch(p.token);
    let ended = false;
    void watch.closed.then(() => (ended = true));
    // Twenty keepalives: two seconds, four times the longest time-out.
    await eventually('twenty keepalive comments', () => watch.comments.length >= 20);
    expect(ended, 'still open').to.equal(false);
    expect(watch.events.map((e) => e.event)).to.deep.equal(['status']);
    watch.abort();
    await watch.closed;
  });
});
