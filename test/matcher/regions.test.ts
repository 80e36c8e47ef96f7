import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { type Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import { registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';
import { sampleValue, scrapeMetrics, type Sample } from '../support/prom-text.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

const keys = new Keys('');

type Player = Awaited<ReturnType<MatcherFixture['player']>>;

describe('Regions (real Redis, real Matcher process)', function () {
  this.timeout(30000);
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start({ MATCH_WINDOW_GROWTH_PER_SEC: '0', ROOM_SERVER_LEASE_TTL_MS: '600000' })));
  after(async () => fx.stop());
  afterEach(async () => {
    const redis = fx.redis.client();
    await redis.flushall();
    redis.disconnect();
  });

  const scrape = (): Promise<Sample[]> => scrapeMetrics(fx.matcher.metricsPort);
  const assignmentOf = async (p: Player): Promise<Assignment | undefined> =>
    (await fx.clients.getAssignment({}, p.auth).catch(() => undefined))?.assignment;

  async function enqueueAll(count: number, region: string | undefined, mmr = 1000): Promise<Player[]> {
    const players: Player[] = [];
    for (let i = 0; i < count; i++) {
      const p = await fx.player();
      expect((await fx.clients.enqueue({ mmr: mmr + i * 10, region }, p.auth)).created).to.equal(true);
      players.push(p);
    }
    return players;
  }

  it('matches players only within their region, on servers of that region', async () => {
    await fx.roomServer('127.0.0.1:7101', 100, 'eu-west');
    await fx.roomServer('127.0.0.1:7102', 100, 'us-east');
    await fx.roomServer('127.0.0.1:7103', 100);
    // Same MMRs in every region: across regions they would pair as well as within.
    const byRegion = new Map<string, Player[]>([
      ['eu-west', await enqueueAll(6, 'eu-west')],
      ['us-east', await enqueueAll(6, 'us-east')],
      ['default', await enqueueAll(6, '')],
    ]);
    const serverOf: Record<string, string> = { 'eu-west': '127.0.0.1:7101', 'us-east': '127.0.0.1:7102', default: '127.0.0.1:7103' };
    const regionOfPlayer = new Map<string, string>();
    for (const [region, players] of byRegion) for (const p of players) regionOfPlayer.set(p.id, region);
    const redis = fx.redis.client();
    for (const [region, players] of byRegion) {
      for (const p of players) {
        const assignment = await eventually(`${p.id} assigned`, () => assignmentOf(p));
        expect(assignment.roomAddr, `a room of ${region} on its server`).to.equal(serverOf[region]);
        expect(regionOfPlayer.get(assignment.opponentId), 'the opponent is of the same region').to.equal(region);
        expect(await redis.hget(keys.region(region).roomInfo(assignment.roomId), 'region')).to.equal(region);
      }
    }
    expect(await redis.zcard(keys.region('eu-west').queue())).to.equal(0);
    redis.disconnect();

    const samples = await scrape();
    for (const region of ['eu-west', 'us-east', 'default']) {
      expect(sampleValue(samples, 'match_latency_seconds_count', { region }), `latency of ${region}`).to.equal(6);
      expect(sampleValue(samples, 'room_servers_live', { region }), `live servers of ${region}`).to.equal(1);
      expect(sampleValue(samples, 'match_queue_size', { region }), `queue of ${region}`).to.equal(0);
    }
  });

  it('keeps the players of a region without a server queued, and matches them once one registers there', async () => {
    await fx.roomServer('127.0.0.1:7104', 100, 'eu-west');
    const waiting = await enqueueAll(2, 'ap-south');
    // A pass paired them and found no server of their region for the pair.
    await eventually('a pass over ap-south', async () => sampleValue(await scrape(), 'match_unplaced_pairs') === 1);
    const redis = fx.redis.client();
    for (const p of waiting) {
      await expectStatus(fx.clients.getAssignment({}, p.auth), status.NOT_FOUND);
      expect(await redis.hget(keys.playerRegion(p.id), 'region')).to.equal('ap-south');
      expect(await redis.zscore(keys.region('ap-south').queue(), p.id)).to.not.equal(null);
    }
    redis.disconnect();
    // Not served yet: counted under _other, not a series of its own.
    const before = await scrape();
    expect(sampleValue(before, 'match_queue_size', { region: '_other' })).to.equal(2);
    expect(sampleValue(before, 'match_queue_size', { region: 'ap-south' })).to.equal(undefined);

    await fx.roomServer('127.0.0.1:7105', 100, 'ap-south');
    for (const p of waiting) expect((await eventually(`${p.id} assigned`, () => assignmentOf(p))).roomAddr).to.equal('127.0.0.1:7105');
    const after = await scrape();
    expect(sampleValue(after, 'match_queue_size', { region: 'ap-south' }), 'served now: labelled').to.equal(0);
    expect(sampleValue(after, 'match_latency_seconds_count', { region: 'ap-south' })).to.equal(2);
  });

  it('counts players of made-up regions in one series, so they cannot blow up the metrics', async () => {
    await fx.roomServer('127.0.0.1:7106', 100, 'eu-west');
    for (let i = 0; i < 20; i++) await fx.clients.enqueue({ mmr: 1000 + i * 1000, region: `made-up-${i}` }, (await fx.player()).auth);
    const queueSeries = (await scrape()).filter((s) => s.name === 'match_queue_size');
    expect(queueSeries.map((s) => s.labels.region).sort()).to.deep.equal(['_other', 'eu-west']);
    expect(sampleValue(queueSeries, 'match_queue_size', { region: '_other' })).to.equal(20);
  });

  it('keeps the first region of a repeated enqueue, and dequeues from it', async () => {
    const [p] = await enqueueAll(1, 'eu-west');
    expect((await fx.clients.enqueue({ mmr: 1000, region: 'us-east' }, p!.auth)).created).to.equal(false);
    const redis = fx.redis.client();
    expect(await redis.zscore(keys.region('eu-west').queue(), p!.id)).to.equal('1000');
    expect(await redis.zscore(keys.region('us-east').queue(), p!.id)).to.equal(null);
    expect((await fx.clients.dequeue({}, p!.auth)).removed).to.equal(true);
    expect(await redis.zcard(keys.region('eu-west').queue())).to.equal(0);
    expect(await redis.exists(keys.region('eu-west').ticket(p!.id))).to.equal(0);
    expect((await fx.clients.enqueue({ mmr: 1000, region: 'us-east' }, p!.auth)).created, 'queued again, elsewhere').to.equal(true);
    expect(await redis.hget(keys.playerRegion(p!.id), 'region')).to.equal('us-east');
    expect(await redis.zscore(keys.region('us-east').queue(), p!.id)).to.equal('1000');
    redis.disconnect();
  });

  it('refuses malformed region names with INVALID_ARGUMENT, from players and from room servers', async () => {
    const p = await fx.player();
    for (const region of ['EU', 'eu_west', 'eu west', 'a'.repeat(33), '{x}', 'é']) {
      await expectStatus(fx.clients.enqueue({ mmr: 1000, region }, p.auth), status.INVALID_ARGUMENT);
      await expectStatus(fx.clients.register({ addr: '127.0.0.1:7107', capacity: 1, region, checkpointTtlMs: 0 }, registryAuth()), status.INVALID_ARGUMENT);
    }
    expect((await fx.clients.enqueue({ mmr: 1000, region: 'a'.repeat(32) }, p.auth)).created, '32 characters is fine').to.equal(true);
  });
});
