import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Packet, RefusedReason, type Snapshot } from '../../src/gen/mini/room/v1/packets.js';
import { RoomPhase } from '../../src/gen/mini/room/v1/world.js';
import { ClientError, RefusedError } from '../../src/client/errors.js';
import { CONNECT_REQUEST_BYTES, MAX_PACKET_BYTES } from '../../src/client/packets.js';
import { RoomLink, defaultRoomLinkOptions, type RoomLinkOptions } from '../../src/client/room-link.js';
import { eventually } from '../support/wait.js';
import { ScriptedRoom, snapshot } from './scripted-room.js';

const options = (overrides: Partial<RoomLinkOptions['link'] & RoomLinkOptions['handshake']> = {}): RoomLinkOptions => ({
  ...defaultRoomLinkOptions,
  handshake: { retransmitMs: 50, timeoutMs: overrides.timeoutMs ?? 3000 },
  link: { silenceTimeoutMs: overrides.silenceTimeoutMs ?? 5000, keepaliveMs: 250 },
});

describe('RoomLink over a real UDP socket against a scripted room', () => {
  const rooms: ScriptedRoom[] = [];
  const links: RoomLink[] = [];
  const room = async (script = {}) => rooms[rooms.push(await ScriptedRoom.start(script)) - 1]!;
  const open = async (at: ScriptedRoom, token = 'token-a', opts = options()) => links[links.push(await RoomLink.open(at.address, token, opts)) - 1]!;
  afterEach(() => {
    links.splice(0).forEach((link) => link.drop());
    rooms.splice(0).forEach((r) => r.close());
  });

  it('connects with the challenge round trip: a padded request, the cookie echoed, the Welcome taken', async () => {
    const r = await room({ welcome: { roomId: 'room-9', lastInputSeq: 5 } });
    const link = await open(r);
    const [request] = r.packets('connectRequest');
    expect(request!.body.connectToken).to.equal('token-a');
    expect(request!.bytes).to.be.within(CONNECT_REQUEST_BYTES, MAX_PACKET_BYTES);
    const [response] = r.packets('connectResponse');
    expect(response!.body.connectToken).to.equal('token-a');
    expect(response!.body.cookie).to.have.length(32);
    expect(link.welcome).to.deep.include({ roomId: 'room-9', lastInputSeq: 5 });
    expect(link.localPort).to.equal(request!.port);
  });

  it('retransmits the pending handshake packet when the room does not answer', async () => {
    const r = await room({ ignoreRequests: 2, ignoreResponses: 1 });
    await open(r);
    expect(r.packets('connectRequest')).to.have.length.of.at.least(3);
    expect(r.packets('connectResponse')).to.have.length.of.at.least(2);
  });

  it('gives up with connect_timeout when nothing answers, and with RefusedError when refused', async () => {
    const silent = await room({ ignoreRequests: 1e9 });
    const err = await RoomLink.open(silent.address, 't', options({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClientError).with.property('kind', 'connect_timeout');
    expect(silent.packets('connectRequest').length).to.be.within(3, 8);
    const refusing = await room({ refuse: RefusedReason.REFUSED_REASON_ROOM_GONE });
    const refused = await RoomLink.open(refusing.address, 't', options()).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(RefusedError).with.property('reason', RefusedReason.REFUSED_REASON_ROOM_GONE);
  });

  it('sends the last 8 inputs every tick while playing, numbered on from the Welcome', async () => {
    const r = await room({ welcome: { lastInputSeq: 41 } });
    const link = await open(r);
    link.setDirection(1);
    r.startTicking();
    await eventually('20 input batches', () => r.packets('inputs').length >= 20);
    link.setDirection(-1);
    const switched = r.packets('inputs').length;
    await eventually('10 more batches', () => r.packets('inputs').length >= switched + 10);
    r.stopTicking();
    const batches = r.packets('inputs').map((p) => p.body);
    expect(batches[0]!.inputs[0]!.seq).to.equal(42);
    batches.forEach((batch, i) => {
      expect(batch.connectionId).to.equal(link.welcome.connectionId);
      expect(batch.inputs.length).to.equal(Math.min(8, i + 1));
      batch.inputs.forEach((input, k) => expect(input.seq).to.equal(42 + i - (batch.inputs.length - 1) + k));
    });
    expect(batches[5]!.inputs.every((input) => input.direction === 1)).to.equal(true);
    expect(batches.at(-1)!.inputs.every((input) => input.direction === -1)).to.equal(true);
  });

  it('sends Keepalives, not inputs, while the game is not playing', async () => {
    const r = await room();
    const link = await open(r);
    r.sendSnapshot({ phase: RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS });
    await eventually('two keepalives', () => r.packets('keepalive').length >= 2);
    expect(r.packets('keepalive')[0]!.body.connectionId).to.equal(link.welcome.connectionId);
    expect(r.packets('inputs')).to.have.length(0);
  });

  it('reports newer snapshots only, room events, and ignores malformed datagrams', async () => {
    const r = await room();
    const link = await open(r);
    const port = link.localPort;
    const seen: Snapshot[] = [];
    link.on('snapshot', (s) => seen.push(s));
    const event = once(link, 'event');
    r.send(port, Buffer.from([0x0a, 0xff, 0x01]));
    r.send(port, { snapshot: snapshot(10) });
    r.send(port, { snapshot: snapshot(9) });
    r.send(port, Packet.encode({ keepalive: { connectionId: 1 }, disconnect: { connectionId: 1 } }).finish());
    r.send(port, { snapshot: snapshot(11) });
    r.send(port, { event: { kind: 1, slot: 2, tick: 11, result: undefined } });
    expect((await event)[0]).to.deep.include({ kind: 1, tick: 11 });
    expect(seen.map((s) => s.tick)).to.deep.equal([10, 11]);
  });

  it('reports silence when the room stops sending', async () => {
    const r = await room();
    const link = await open(r, 'token-a', options({ silenceTimeoutMs: 300 }));
    await once(link, 'silent');
  });

  it('says Disconnect on close, and nothing at all on drop', async () => {
    const r = await room();
    const closing = await open(r);
    closing.close();
    await eventually('Disconnect', () => r.packets('disconnect').length === 1);
    expect(r.packets('disconnect')[0]!.body.connectionId).to.equal(closing.welcome.connectionId);
    const dropping = await open(r, 'token-b');
    dropping.drop();
    // Loopback delivers in send order: once a later marker arrives, anything the drop sent has too.
    const marker = createSocket('udp4');
    marker.send(Packet.encode({ keepalive: { connectionId: 424242 } }).finish(), Number(r.address.split(':')[1]), '127.0.0.1');
    await eventually('marker', () => r.packets('keepalive').some((k) => k.body.connectionId === 424242));
    marker.close();
    expect(r.packets('disconnect')).to.have.length(1);
  });
});
