import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { GatewayFixture, type HttpResult } from '../support/gateway-fixture.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

describe('Gateway REST API (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;
  const serverAddr = '127.0.0.1:7777';

  before(async () => {
    fx = await GatewayFixture.start({ LOG_LEVEL: 'debug', GATEWAY_SSE_KEEPALIVE_MS: '100' });
    await fx.roomServer(serverAddr, 100);
  });
  after(async () => fx.stop());

  const status = (token: string): Promise<HttpResult> => fx.call('GET', '/match/status', { token });
  const enqueue = (token: string, mmr: number): Promise<HttpResult> =>
    fx.call('POST', '/match/enqueue', { token, json: { mmr } });

  it('GET /healthz answers ok', async () => {
    const res = await fx.call('GET', '/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ ok: true });
  });

  it('POST /session logs a device in; the same device id gives the same player', async () => {
    const first = await fx.call('POST', '/session', { json: { device_id: deviceIdOf('rest-device-1') } });
    expect(first.status).to.equal(200);
    expect(first.body, 'whether a device id existed is never told').to.include({ created: false });
    expect(first.body?.player_id).to.be.a('string').and.not.equal('');
    expect(first.body?.token).to.be.a('string').and.not.equal('');
    expect(first.body?.expires_at_ms).to.be.a('number').greaterThan(Date.now());
    const again = await fx.call('POST', '/session', { json: { device_id: deviceIdOf('rest-device-1') } });
    expect(again.body).to.include({ player_id: first.body?.player_id, created: false });
  });

  it('seed §11.1: ten players with MMR 1000..1500 make five pairs, each within 200', async () => {
    const mmrs = [1000, 1055, 1110, 1165, 1220, 1275, 1330, 1385, 1440, 1500];
    const players = await Promise.all(mmrs.map(async (mmr) => ({ mmr, ...(await fx.player()) })));
    const enqueued = await Promise.all(players.map((p) => enqueue(p.token, p.mmr)));
    for (const res of enqueued) {
      expect(res.status).to.equal(200);
      expect(res.body).to.have.property('created', true);
      expect(res.body?.status).to.be.oneOf(['QUEUED', 'ASSIGNED']);
    }
    const assignments = await eventually('all ten assigned', async () => {
      const all = await Promise.all(players.map((p) => status(p.token)));
      return all.every((res) => res.status === 200) ? all.map((res) => res.body!) : undefined;
    });
    const rooms = new Map<unknown, string[]>();
    players.forEach((player, i) => {
      const a = assignments[i]!;
      expect(a).to.have.all.keys('room_id', 'room_addr', 'opponent_id', 'connect_token', 'connect_token_expires_at_ms', 'slot', 'assigned_at_ms', 'room_epoch');
      expect(a.room_addr).to.equal(serverAddr);
      expect(a.slot).to.be.oneOf(['LEFT', 'RIGHT']);
      const opponent = players.find((p) => p.id === a.opponent_id);
      expect(opponent, 'opponent is one of the ten').to.not.equal(undefined);
      expect(Math.abs(opponent!.mmr - player.mmr)).to.be.at.most(200);
      rooms.set(a.room_id, [...(rooms.get(a.room_id) ?? []), player.id]);
    });
    expect(rooms.size).to.equal(5);
    for (const members of rooms.values()) expect(members).to.have.length(2);
    const repeat = await enqueue(players[0]!.token, 1000);
    expect(repeat.body).to.deep.equal({ status: 'ASSIGNED', created: false });
  });

  it('seed §11.1: MMR 1000 and 1500 alone stay queued', async () => {
    const low = await fx.player();
    const high = await fx.player();
    expect((await enqueue(low.token, 1000)).body).to.deep.equal({ status: 'QUEUED', created: true });
    expect((await enqueue(high.token, 1500)).body).to.deep.equal({ status: 'QUEUED', created: true });
    // A pair enqueued afterwards is matched by a later pass, which also saw 1000 and 1500.
    const sentinels = [await fx.player(), await fx.player()];
    await enqueue(sentinels[0]!.token, 3000);
    await enqueue(sentinels[1]!.token, 3050);
    await eventually('sentinel pair assigned', async () => (await status(sentinels[0]!.token)).status === 200);
    for (const player of [low, high]) {
      const res = await status(player.token);
      expect(res.status).to.equal(404);
      expect(res.body).to.include({ code: 'NOT_FOUND' });
    }
    expect((await fx.call('POST', '/match/dequeue', { token: low.token })).body).to.deep.equal({ removed: true, status: 'DEQUEUED' });
    expect((await fx.call('POST', '/match/dequeue', { token: low.token })).body).to.deep.equal({ removed: false, status: 'DEQUEUED' });
    expect((await fx.call('POST', '/match/dequeue', { token: high.token, json: {} })).body).to.include({ removed: true });
  });

  it('GET /match/watch streams QUEUED, then ASSIGNED with the assignment, then keepalives', async () => {
    const a = await fx.player();
    const b = await fx.player();
    await enqueue(a.token, 30000);
    const watch = await fx.watch(a.token);
    expect(watch.response.status).to.equal(200);
    expect(watch.response.headers.get('content-type')).to.match(/^text\/event-stream/);
    await eventually('first event', () => watch.events.length >= 1);
    expect(watch.events[0]).to.deep.include({ event: 'status' });
    expect(watch.events[0]!.data).to.include({ status: 'QUEUED', assignment: null });
    expect(watch.events[0]!.data.changed_at_ms).to.be.a('number').greaterThan(0);
    await enqueue(b.token, 30010);
    const assigned = await eventually('ASSIGNED pushed', () => watch.events.find((e) => e.data.status === 'ASSIGNED'));
    const assignment = assigned.data.assignment as Record<string, unknown>;
    expect(assignment).to.include({ opponent_id: b.id, room_addr: serverAddr });
    expect(assignment.connect_token).to.be.a('string').and.not.equal('');
    await eventually('a keepalive comment', () => watch.comments.includes('keepalive'));
    watch.abort();
    await watch.closed;
    await eventually('gateway cancelled the gRPC watch', () =>
      fx.gateway.output.some((line) => line.includes('"reason":"client_gone"')),
    );
  });

  describe('authentication', () => {
    const authenticated: Array<[string, string]> = [
      ['POST', '/match/enqueue'],
      ['POST', '/match/dequeue'],
      ['GET', '/match/status'],
      ['GET', '/match/watch'],
      ['POST', '/match/unreachable'],
      ['DELETE', '/session'],
      ['DELETE', '/sessions'],
    ];

    for (const [method, path] of authenticated) {
      it(`${method} ${path} without a token or with a garbage token is 401`, async () => {
        const json = method === 'POST' ? { mmr: 1200, room_id: 'r' } : undefined;
        for (const token of [undefined, 'garbage-token']) {
          const res = await fx.call(method, path, { token, json });
          expect(res.status, `token ${token}`).to.equal(401);
          expect(res.body).to.include({ code: 'UNAUTHENTICATED' });
          expect(res.body?.error).to.be.a('string').and.not.equal('');
          expect(res.headers.get('www-authenticate')).to.equal('Bearer');
        }
      });
    }

    it('DELETE /sessions revokes every session of the player: all its tokens are 401 after', async () => {
      const first = await fx.player('rest-revoke-all');
      const second = await fx.player('rest-revoke-all');
      const other = await fx.player();
      const revoked = await fx.call('DELETE', '/sessions', { token: second.token });
      expect(revoked.status).to.equal(200);
      expect(revoked.body).to.deep.equal({ revoked: 2 });
      for (const { token } of [first, second]) expect((await status(token)).status).to.equal(401);
      expect((await status(other.token)).status, 'another player is untouched').to.equal(404);
    });

    it('DELETE /session revokes the token: later calls are 401', async () => {
      const p = await fx.player();
      expect((await status(p.token)).status).to.equal(404);
      const revoked = await fx.call('DELETE', '/session', { token: p.token });
      expect(revoked.status).to.equal(204);
      expect((await status(p.token)).status).to.equal(401);
      expect((await enqueue(p.token, 1200)).status).to.equal(401);
      expect((await fx.call('DELETE', '/session', { token: p.token })).status).to.equal(401);
    });

    it("a body player_id other than the session's player is 403; the own id is accepted", async () => {
      const p = await fx.player();
      const other = await fx.player();
      const denied = await fx.call('POST', '/match/enqueue', { token: p.token, json: { player_id: other.id, mmr: 40000 } });
      expect(denied.status).to.equal(403);
      expect(denied.body).to.include({ code: 'PERMISSION_DENIED' });
      expect((await fx.call('POST', '/match/dequeue', { token: other.token })).body).to.include({ status: 'NOT_QUEUED' });
      const own = await fx.call('POST', '/match/enqueue', { token: p.token, json: { player_id: p.id, mmr: 40000 } });
      expect(own.status).to.equal(200);
      expect(own.body).to.deep.equal({ status: 'QUEUED', created: true });
      const deniedDequeue = await fx.call('POST', '/match/dequeue', { token: p.token, json: { player_id: other.id } });
      expect(deniedDequeue.status).to.equal(403);
      expect((await fx.call('POST', '/match/dequeue', { token: p.token, json: { player_id: p.id } })).body).to.include({ removed: true });
    });
  });

  describe('bad input is 400 with {error, code}', () => {
    const cases: Array<[string, string, { json?: unknown; rawBody?: string }]> = [
      ['malformed JSON', '/match/enqueue', { rawBody: '{"mmr": 12' }],
      ['empty JSON body', '/match/enqueue', { rawBody: '' }],
      ['mmr -1', '/match/enqueue', { json: { mmr: -1 } }],
      ['mmr above 100000', '/match/enqueue', { json: { mmr: 100001 } }],
      ['mmr "abc"', '/match/enqueue', { json: { mmr: 'abc' } }],
      ['mmr "1200" (a string, not coerced)', '/match/enqueue', { json: { mmr: '1200' } }],
      ['missing mmr', '/match/enqueue', { json: {} }],
      ['a JSON array body', '/match/enqueue', { json: [1200] }],
      ['player_id 5', '/match/enqueue', { json: { mmr: 1200, player_id: 5 } }],
      ['region "EU" (upper case)', '/match/enqueue', { json: { mmr: 1200, region: 'EU' } }],
      ['region with an underscore', '/match/enqueue', { json: { mmr: 1200, region: 'eu_west' } }],
      ['region of 33 characters', '/match/enqueue', { json: { mmr: 1200, region: 'a'.repeat(33) } }],
      ['region 5', '/match/enqueue', { json: { mmr: 1200, region: 5 } }],
      ['device_id empty', '/session', { json: { device_id: '' } }],
      ['device_id 5', '/session', { json: { device_id: 5 } }],
      ['missing device_id', '/session', { json: {} }],
      ['a non-JSON body', '/session', { rawBody: 'device_id=abc' }],
      ['missing room_id', '/match/unreachable', { json: {} }],
      ['room_id 5', '/match/unreachable', { json: { room_id: 5 } }],
      ['room_id with spaces', '/match/unreachable', { json: { room_id: 'not a room' } }],
    ];

    for (const [what, path, body] of cases) {
      it(`${what} on ${path}`, async () => {
        const p = await fx.player();
        const res = await fx.call('POST', path, { token: p.token, ...body });
        expect(res.status).to.equal(400);
        expect(res.body).to.include({ code: 'INVALID_ARGUMENT' });
        expect(res.body?.error).to.be.a('string').and.not.equal('');
        expect((await fx.call('POST', '/match/dequeue', { token: p.token })).body).to.include({ removed: false });
      });
    }

    it('takes "region": a player of another region is not matched with one of the default region', async () => {
      const [here, there, empty] = [await fx.player(), await fx.player(), await fx.player()];
      expect((await fx.call('POST', '/match/enqueue', { token: here.token, json: { mmr: 61000, region: 'far-away' } })).body).to.deep.equal({
        status: 'QUEUED',
        created: true,
      });
      await fx.call('POST', '/match/enqueue', { token: there.token, json: { mmr: 61000 } });
      await fx.call('POST', '/match/enqueue', { token: empty.token, json: { mmr: 61000, region: '' } });
      const assigned = await eventually('the two default-region players matched', async () => {
        const res = await status(there.token);
        return res.status === 200 ? res.body : undefined;
      });
      expect(assigned).to.include({ opponent_id: empty.id, room_addr: serverAddr });
      expect((await status(here.token)).status, 'no server of far-away: still queued').to.equal(404);
      await fx.call('POST', '/match/dequeue', { token: here.token });
    });

    it('names the problem in the message', async () => {
      const p = await fx.player();
      const malformed = await fx.call('POST', '/match/enqueue', { token: p.token, rawBody: '{' });
      expect(malformed.body?.error).to.match(/not valid JSON/);
      const wrongType = await fx.call('POST', '/match/enqueue', { token: p.token, json: { mmr: 'abc' } });
      expect(wrongType.body?.error).to.match(/mmr/);
    });

    it('a body over the limit is 413, a form body is 415', async () => {
      const big = await fx.call('POST', '/session', { json: { device_id: 'x'.repeat(20000) } });
      expect(big.status).to.equal(413);
      expect(big.body).to.include({ code: 'INVALID_ARGUMENT' });
      const form = await fx.call('POST', '/session', {
        rawBody: 'device_id=abc',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).to.equal(415);
      expect(form.body?.error).to.match(/application\/json/);
    });
  });

  it('POST /match/unreachable takes a report for the player’s own room only: one report moves nothing', async () => {
    const a = await fx.player();
    const b = await fx.player();
    await enqueue(a.token, 61000);
    await enqueue(b.token, 61000);
    const assigned = await eventually('assigned', async () => {
      const res = await status(a.token);
      return res.status === 200 ? res.body! : undefined;
    });
    const report = await fx.call('POST', '/match/unreachable', { token: a.token, json: { room_id: assigned.room_id } });
    expect(report.status).to.equal(200);
    expect(report.body).to.deep.equal({ server_replaced: false });
    expect((await status(a.token)).body).to.include({ room_id: assigned.room_id, room_addr: serverAddr, room_epoch: 0 });
    const otherRoom = await fx.call('POST', '/match/unreachable', { token: a.token, json: { room_id: '0e5a5f3c-0000-4000-8000-000000000000' } });
    expect(otherRoom.status).to.equal(409);
    expect(otherRoom.body).to.include({ code: 'FAILED_PRECONDITION' });
  });

  it('a header or player_id metadata cannot carry (non-ASCII) is 401 / 400, not a crash', async () => {
    const p = await fx.player();
    const raw = (headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = httpRequest(fx.url('/match/enqueue'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        });
        req.on('error', reject);
        req.end(body ?? JSON.stringify({ mmr: 1200 }));
      });
    const badToken = await raw({ authorization: `Bearer ${p.token}\u00e9` });
    expect(badToken.status).to.equal(401);
    expect(badToken.body).to.include({ code: 'UNAUTHENTICATED', error: 'malformed Authorization header' });
    const badPlayer = await raw({ authorization: `Bearer ${p.token}` }, JSON.stringify({ mmr: 1200, player_id: 'ünïcode' }));
    expect(badPlayer.status).to.equal(400);
    expect(badPlayer.body).to.include({ code: 'INVALID_ARGUMENT' });
    expect((await fx.call('GET', '/healthz')).status, 'the gateway is fine').to.equal(200);
  });

  it('unknown routes are 404 JSON', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/match/status'], ['GET', '/match/enqueue']] as const) {
      const res = await fx.call(method, path);
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.body).to.include({ code: 'NOT_FOUND' });
    }
  });
});
