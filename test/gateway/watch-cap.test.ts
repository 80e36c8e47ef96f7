import { expect } from 'chai';
import { GatewayFixture } from '../support/gateway-fixture.js';
import type { SseClient } from '../support/sse-client.js';
import { eventually } from '../support/wait.js';

describe('Watches per player through the gateway (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;
  const open: SseClient[] = [];
  const ended = new WeakSet<SseClient>();

  before(async () => {
    // The cap is the Matcher's (it knows the player behind a token): MATCH_MAX_WATCHES_PER_PLAYER, 4.
    fx = await GatewayFixture.start();
  });
  after(async () => {
    for (const watch of open) watch.abort();
    await Promise.all(open.map((w) => w.closed));
    await fx?.stop();
  });

  const watch = async (token: string): Promise<SseClient> => {
    const w = await fx.watch(token);
    open.push(w);
    void w.closed.then(() => ended.add(w));
    expect(w.response.status).to.equal(200);
    await eventually('the first status', () => w.events.length >= 1);
    return w;
  };

  it('a fifth watch of one player, from another of its sessions, ends the oldest cleanly and keeps four', async () => {
    const first = await fx.player('watch-cap-device');
    const second = await fx.player('watch-cap-device');
    expect(second.id, 'one player, two sessions').to.equal(first.id);
    const watches = [await watch(first.token), await watch(first.token), await watch(first.token), await watch(first.token)];
    const fifth = await watch(second.token);

    await eventually('the oldest watch ended', () => ended.has(watches[0]!));
    expect(watches[0]!.error, 'ended cleanly, not cut').to.equal(undefined);
    expect(watches[0]!.events.at(-1)).to.deep.include({ event: 'error' });
    expect(watches[0]!.events.at(-1)!.data).to.include({ code: 'RESOURCE_EXHAUSTED' });
    for (const kept of [...watches.slice(1), fifth]) {
      expect(ended.has(kept), 'still open').to.equal(false);
      expect(kept.events.map((e) => e.event), 'nothing but its status').to.deep.equal(['status']);
    }
  });
});
