import { expect } from 'chai';
import { TicketStore } from '../../src/matcher/ticket-store.js';
import { closeRedis, type RedisConnection } from '../../src/shared/redis/client.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { ReplicaAcks } from '../../src/shared/redis/replica-ack.js';
import { runScript } from '../../src/shared/redis/scripts.js';
import { RedisServer } from '../support/redis-server.js';
import { replicaConnections } from '../support/replica-connections.js';

const keys = new Keys('');
const regions = ['eu-west', 'us-east', 'ap-south'];

describe('a ticket moving between regions (retire-region, set-player-region, enqueue; real Redis)', () => {
  let server: RedisServer;
  let connections: RedisConnection[];
  let stores: TicketStore[];
  let check: ReturnType<RedisServer['client']>;

  before(async () => {
    server = await RedisServer.start();
    connections = await replicaConnections(server.url);
    // Three Matcher replicas' stores, each on its own connection.
    stores = connections.map((c) => new TicketStore(c, keys, new ReplicaAcks(c, 0, 0), 3600));
    check = server.client();
  });
  after(async () => {
    check.disconnect();
    await Promise.all(connections.map((c) => closeRedis(c)));
    await server.stop();
  });
  beforeEach(async () => check.flushall());

  /** The regions whose queue holds the player. */
  const queuedIn = async (playerId: string): Promise<string[]> => {
    const scores = await Promise.all(regions.map((region) => check.zscore(keys.region(region).queue(), playerId)));
    return regions.filter((_, i) => scores[i] !== null);
  };

  it('queues a player racing enqueues into three regions in exactly one of them, every time', async () => {
    for (let round = 0; round < 40; round++) {
      const playerId = `racer-${round}`;
      // Each replica enqueues the same player into another region at the same moment.
      const replies = await Promise.allSettled(stores.map((store, i) => store.enqueue(playerId, 1000, regions[(i + round) % 3]!, 1_000 + round)));
      const rejected = replies.filter((r) => r.status === 'rejected');
      expect(rejected.map((r) => String((r as PromiseRejectedResult).reason)), 'only the retry-later answer').to.satisfy((reasons: string[]) =>
        reasons.every((reason) => reason.includes('try again')),
      );
      const created = replies.filter((r) => r.status === 'fulfilled' && r.value.created).length;
      const where = await queuedIn(playerId);
      expect(where, `round ${round}: queued in one region`).to.have.length(1);
      expect(created, `round ${round}: one enqueue created the ticket`).to.equal(1);
      expect(await check.hget(keys.playerRegion(playerId), 'region'), 'the pointer names that region').to.equal(where[0]);
      expect((await stores[0]!.read(playerId)).state).to.equal('queued');
    }
  });

  it('moves a player who left the queue to another region, and fences the old one', async () => {
    const [a, b] = stores as [TicketStore, TicketStore];
    expect(await a.enqueue('mover', 1000, 'eu-west', 1_000)).to.deep.equal({ state: 'queued', created: true });
    expect(await b.enqueue('mover', 1200, 'us-east', 1_001), 'still queued in the first region: kept').to.deep.equal({ state: 'queued', created: false });
    expect(await queuedIn('mover')).to.deep.equal(['eu-west']);
    expect(await a.dequeue('mover', 1_002)).to.equal(true);
    expect(await b.enqueue('mover', 1200, 'us-east', 1_003)).to.deep.equal({ state: 'queued', created: true });
    expect(await queuedIn('mover')).to.deep.equal(['us-east']);
    expect(await check.hmget(keys.playerRegion('mover'), 'region', 'gen')).to.deep.equal(['us-east', '2']);
    expect(await check.get(keys.region('eu-west').ticketFence('mover')), 'enqueues of generation 1 refused in eu-west').to.equal('1');
    // Back again: a new generation, which the old fence does not stop.
    expect(await b.dequeue('mover', 1_004)).to.equal(true);
    expect(await a.enqueue('mover', 1000, 'eu-west', 1_005)).to.deep.equal({ state: 'queued', created: true });
    expect(await queuedIn('mover')).to.deep.equal(['eu-west']);
    expect(await check.hget(keys.playerRegion('mover'), 'gen')).to.equal('3');
    // A repeat in the same region keeps the pointer and renews its 7-day TTL.
    await check.expire(keys.playerRegion('mover'), 60);
    expect(await a.enqueue('mover', 1000, 'eu-west', 1_006)).to.deep.equal({ state: 'queued', created: false });
    expect(await check.ttl(keys.playerRegion('mover'))).to.be.within(7 * 86_400 - 10, 7 * 86_400);
    expect(await check.hget(keys.playerRegion('mover'), 'gen')).to.equal('3');
  });

  it('refuses an enqueue whose generation was retired (a late one from before the move)', async () => {
    const store = stores[0]!;
    await store.enqueue('late', 1000, 'eu-west', 1_000);
    await store.dequeue('late', 1_001);
    await store.enqueue('late', 1000, 'us-east', 1_002);
    const eu = keys.region('eu-west');
    // What a request still holding generation 1 for eu-west sends now.
    const late = await runScript(
      connections[0]!,
      'enqueue',
      [eu.queue(), eu.waiting(), eu.outcome('late'), eu.roomMap('late'), eu.enqueueTrace('late'), eu.ticket('late'), eu.ticketFence('late')],
      ['late', 1000, 1_003, keys.ticketEvents(), '', 3600, 1],
    );
    expect(late).to.deep.equal(['fenced', 0]);
    expect(await queuedIn('late')).to.deep.equal(['us-east']);
  });
});
