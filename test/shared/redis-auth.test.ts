import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { bearer, connect } from '../support/grpc-clients.js';
import { deviceIdOf } from '../support/device-id.js';
import { startRedisHa } from '../support/redis-sentinel.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, startService, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { startRefused, type Refusal } from '../support/start-refusal.js';
import { UdpPlayer, policies } from '../support/udp-player.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const password = 'default-user-pw';
/** An ACL user with only the command groups the services use (INFO for the ready check, WAIT for replica acks). */
const appUser = {
  name: 'mini-app',
  password: 'app p@ss:w/rd#1',
  rules: ['~*', '&*', '-@all', '+@read', '+@write', '+@scripting', '+@pubsub', '+@connection', '+@transaction', '-@dangerous', '+info'],
};
/** Fast heartbeats, so that a fresh room server has capacity for a match at once. */
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };
/**
 * Half the 15 s a service gets to start: generous, as two CPUs may be busy; a retry loop shows
 * anyway, as a service that starts after 3 s with a warning instead of exiting.
 */
const fastExitMs = 7500;
const roomArgs = (matcher: string): string[] => ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher];

/** Expects a refusal to start that took little time, exited 2 and printed all of `fragments`. */
function expectConfigExit(refusal: Refusal, ...fragments: (string | RegExp)[]): void {
  expect(refusal.message).to.include('exited with 2');
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(refusal.message).to.include(fragment);
    else expect(refusal.message).to.match(fragment);
  }
  expect(refusal.elapsedMs, 'a quick exit, not a retry loop').to.be.below(fastExitMs);
}

/** Logs a device in through the Matcher's gRPC API and returns the session token. */
async function login(matcher: ServiceProcess, label: string, stack: Stack): Promise<string> {
  const clients = connect(matcher.address);
  stack.add({ stop: () => clients.close() });
  const session = await clients.authenticateDevice({ deviceId: deviceIdOf(label) });
  expect(session.token).to.be.a('string').and.not.equal('');
  return session.token;
}

describe('Redis with a password or an ACL user (real redis-server and service processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let redis: RedisServer;
  let matcher: ServiceProcess;
  before(async () => {
    redis = stack.add(await RedisServer.start({ password, users: [appUser] }));
    matcher = stack.add(await startMatcher(redis.url, matcherEnv));
  });
  after(async () => stack.stop());

  it('the Matcher and a room server work with redis://:password@host:port', async () => {
    await login(matcher, 'auth-default-user', stack);
    const room = stack.add(await startRoomServer(redis.url, matcher.address, {}, 0));
    const client = redis.client();
    try {
      await eventually('the room server in the registry', async () => (await client.hget(dk.roomServer(room.address), 'status')) !== null);
    } finally {
      client.disconnect();
    }
    for (const service of [matcher, room]) expect(service.output.join('\n')).to.not.match(/redis connection error/);
  });

  it('an ACL user with only the commands the services use: a whole game is matched, played and recorded', async () => {
    const url = redis.urlAs({ username: appUser.name, password: appUser.password });
    const appMatcher = stack.add(await startMatcher(url, matcherEnv));
    const room = stack.add(await startRoomServer(url, appMatcher.address, { ROOM_SCORE_LIMIT: '1' }, 0));
    const clients = connect(appMatcher.address);
    stack.add({ stop: () => clients.close() });
    const [a, b] = await Promise.all(['acl-left', 'acl-right'].map((label) => clients.authenticateDevice({ deviceId: deviceIdOf(label) })));
    for (const session of [a!, b!]) await clients.enqueue({ mmr: 1500 }, bearer(session.token));
    const assignments = await Promise.all(
      [a!, b!].map((session) =>
        eventually('an assignment', async () => (await clients.getAssignment({}, bearer(session.token)).catch(() => undefined))?.assignment),
      ),
    );
    const players = await Promise.all(
      assignments.map(async (assignment) => {
        const policy = assignment.slot === Slot.SLOT_LEFT ? policies.track : policies.dodge;
        const player = await UdpPlayer.connect(assignment.roomAddr, assignment.connectToken, policy);
        return stack.add(Object.assign(player, { stop: () => player.silence() }));
      }),
    );
    await players[0]!.event(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, 25000);
    const client = redis.client();
    try {
      const roomId = assignments[0]!.roomId;
      await eventually('the result recorded', async () => (await client.xrange(dk.roomResults(), '-', '+')).some(([, fields]) => fields.includes(roomId)));
    } finally {
      client.disconnect();
    }
    for (const service of [appMatcher, room]) expect(service.output.join('\n')).to.not.match(/NOPERM|redis connection error/);
  });

  for (const [what, credentials, reply] of [
    ['a wrong password', { password: 'not-the-password' }, /WRONGPASS/],
    ['a wrong ACL user', { username: 'nobody', password: appUser.password }, /WRONGPASS/],
    ['no password', {}, /NOAUTH/],
  ] as const) {
    it(`with ${what} the Matcher and a room server stop at once: exit 2, naming REDIS_URL, not showing the password`, async () => {
      const url = redis.urlAs(credentials);
      const refusals = await Promise.all([
        startRefused(() => startMatcher(url)),
        startRefused(() => startService('src/room/main.ts', roomArgs(matcher.address), { REDIS_URL: url })),
      ]);
      for (const refusal of refusals) {
        expectConfigExit(refusal, 'REDIS_URL', 'refused the credentials', reply);
        expect(refusal.message).to.not.include(appUser.password).and.not.include('not-the-password');
      }
    });
  }

  it('a malformed REDIS_SENTINELS stops the Matcher and a room server, naming it', async () => {
    const env = { REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1', REDIS_URL: redis.url };
    const refusals = await Promise.all([startRefused(() => startMatcher(env)), startRefused(() => startService('src/room/main.ts', roomArgs(matcher.address), env))]);
    for (const refusal of refusals) expectConfigExit(refusal, 'REDIS_SENTINELS', "'127.0.0.1' is not host:port");
  });
});

describe('Redis Sentinel with passwords on the data nodes and the Sentinels (real processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let ha: Awaited<ReturnType<typeof startRedisHa>>;
  let matcher: ServiceProcess;
  before(async () => {
    ha = stack.add(await startRedisHa({ password, sentinelPassword: 'sentinel-pw' }));
    matcher = stack.add(await startMatcher(ha.env, matcherEnv));
  });
  after(async () => stack.stop());

  it('the Matcher and a room server find the primary and work (REDIS_URL supplies the password only)', async () => {
    expect(ha.env).to.include({ REDIS_SENTINEL_PASSWORD: 'sentinel-pw' });
    await login(matcher, 'sentinel-auth', stack);
    stack.add(await startRoomServer(ha.env, matcher.address, {}, 0));
  });

  const refusals: [string, (env: Record<string, string>) => Record<string, string>, string, RegExp][] = [
    ['an unknown REDIS_SENTINEL_MASTER', (env) => ({ ...env, REDIS_SENTINEL_MASTER: 'no-such-master' }), 'REDIS_SENTINEL_MASTER', /no primary named 'no-such-master'/],
    ['a wrong REDIS_SENTINEL_PASSWORD', (env) => ({ ...env, REDIS_SENTINEL_PASSWORD: 'wrong-sentinel-pw' }), 'REDIS_SENTINEL_PASSWORD', /refused the credentials/],
    ['no REDIS_SENTINEL_PASSWORD', ({ REDIS_SENTINEL_PASSWORD: _, ...env }) => env, 'REDIS_SENTINEL_PASSWORD', /refused the credentials/],
    ['a wrong primary password in REDIS_URL', (env) => ({ ...env, REDIS_URL: 'redis://:wrong-pw@127.0.0.1' }), 'REDIS_URL', /refused the credentials/],
  ];
  for (const [what, envOf, variable, detail] of refusals) {
    it(`with ${what} the Matcher and a room server stop at once: exit 2, naming ${variable}`, async () => {
      const env = envOf(ha.env);
      const refusals = await Promise.all([startRefused(() => startMatcher(env)), startRefused(() => startService('src/room/main.ts', roomArgs(matcher.address), env))]);
      for (const refusal of refusals) expectConfigExit(refusal, variable, detail);
    });
  }
});

describe('Redis over TLS (rediss://) with a private CA (real redis-server and service processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let certificates: TestCertificates;
  let redis: RedisServer;
  before(async () => {
    certificates = stack.add(makeTestCertificates());
    redis = stack.add(await RedisServer.start({ tls: certificates, password }));
  });
  after(async () => stack.stop());

  it('the Matcher and a room server work when NODE_EXTRA_CA_CERTS names the CA', async () => {
    expect(redis.url).to.match(/^rediss:\/\//);
    const trust = { NODE_EXTRA_CA_CERTS: certificates.caFile };
    const matcher = stack.add(await startMatcher(redis.url, { ...matcherEnv, ...trust }));
    expect(matcher.output.find((line) => line.includes('matcher listening on'))).to.include(`rediss://127.0.0.1:${redis.port} (TLS)`);
    await login(matcher, 'tls-device', stack);
    stack.add(await startRoomServer(redis.url, matcher.address, trust, 0));
  });

  it('a certificate the Matcher cannot verify stops it at once: exit 2, naming REDIS_URL and NODE_EXTRA_CA_CERTS', async () => {
    const refusal = await startRefused(() => startMatcher(redis.url));
    expectConfigExit(refusal, 'REDIS_URL', 'NODE_EXTRA_CA_CERTS');
  });
});
