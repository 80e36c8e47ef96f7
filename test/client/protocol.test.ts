import { expect } from 'chai';
import { Packet } from '../../src/gen/mini/room/v1/packets.js';
import { InputWindow } from '../../src/client/input-window.js';
import { linkAction } from '../../src/client/link-timing.js';
import {
  CONNECT_REQUEST_BYTES,
  MAX_PACKET_BYTES,
  connectRequestPacket,
  decodePacket,
  disconnectPacket,
  encodePacket,
  keepalivePacket,
} from '../../src/client/packets.js';

describe('client packets (pure)', () => {
  it('pads every ConnectRequest to the target size, whatever the token length', () => {
    for (const length of [0, 1, 60, 120, 126, 127, 128, 129, 180, 250, 280, 290]) {
      const bytes = encodePacket(connectRequestPacket('t'.repeat(length))).length;
      expect(bytes, `token of ${length}`).to.be.within(CONNECT_REQUEST_BYTES, CONNECT_REQUEST_BYTES + 1);
    }
    for (const length of [297, 600]) expect(encodePacket(connectRequestPacket('t'.repeat(length))).length).to.be.within(CONNECT_REQUEST_BYTES, MAX_PACKET_BYTES);
  });

  it('refuses to encode a packet over 1200 bytes', () => {
    expect(() => encodePacket(connectRequestPacket('t'.repeat(1300)))).to.throw(RangeError);
  });

  it('keeps a full input batch and the control packets far below the limit', () => {
    const window = new InputWindow(2 ** 52, 4_000_000_000);
    let packet = window.push(-1);
    for (let i = 0; i < 20; i++) packet = window.push(1);
    expect(encodePacket(packet).length).to.be.below(120);
    expect(encodePacket(keepalivePacket(2 ** 52)).length).to.be.below(20);
    expect(encodePacket(disconnectPacket(2 ** 52)).length).to.be.below(20);
  });

  it('decodes one packet, and ignores garbage, empty and multi-body datagrams', () => {
    expect(decodePacket(encodePacket(keepalivePacket(9)))).to.deep.include({ keepalive: { connectionId: 9 } });
    expect(decodePacket(Buffer.from([0xff, 0xff, 0xff]))).to.equal(undefined);
    expect(decodePacket(Buffer.alloc(0))).to.equal(undefined);
    expect(decodePacket(Buffer.alloc(MAX_PACKET_BYTES + 1))).to.equal(undefined);
    const two = Buffer.concat([encodePacket(keepalivePacket(1)), encodePacket(disconnectPacket(1))]);
    expect(decodePacket(two)).to.equal(undefined);
  });
});

describe('client input window (pure)', () => {
  const seqs = (packet: Packet) => packet.inputs!.inputs.map((input) => input.seq);

  it('numbers inputs on from the Welcome last_input_seq, newest last, carrying at most 8', () => {
    const window = new InputWindow(77, 41);
    expect(seqs(window.push(1))).to.deep.equal([42]);
    for (let i = 0; i < 9; i++) window.push(i % 2 === 0 ? -1 : 0);
    const packet = window.push(1);
    expect(packet.inputs!.connectionId).to.equal(77);
    expect(seqs(packet)).to.deep.equal([45, 46, 47, 48, 49, 50, 51, 52]);
    expect(packet.inputs!.inputs.at(-1)).to.deep.equal({ seq: 52, direction: 1 });
    expect(window.lastSeq).to.equal(52);
  });

  it('sends every input in `size` consecutive batches, so a lost batch loses nothing', () => {
    const window = new InputWindow(1, 0, 3);
    const batches = Array.from({ length: 6 }, () => seqs(window.push(0)));
    expect(batches).to.deep.equal([[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]);
    // Batches 2 and 3 lost: seq 2 and 3 still arrived with batch 4.
    expect(new Set([...batches[0]!, ...batches[3]!])).to.deep.equal(new Set([1, 2, 3, 4]));
  });

  it('refuses a window of no inputs', () => {
    expect(() => new InputWindow(1, 0, 0)).to.throw(RangeError);
  });
});

describe('client link timing (pure)', () => {
  const timing = { silenceTimeoutMs: 1000, keepaliveMs: 250 };

  it('sends inputs every tick while playing, else a keepalive after 250 ms without sending', () => {
    expect(linkAction(5000, 4990, 4990, true, timing)).to.equal('inputs');
    expect(linkAction(5000, 4990, 4800, false, timing)).to.equal('none');
    expect(linkAction(5000, 4990, 4750, false, timing)).to.equal('keepalive');
  });

  it('calls the link silent after the timeout, playing or not', () => {
    expect(linkAction(5000, 4001, 4999, true, timing)).to.equal('inputs');
    expect(linkAction(5000, 4000, 4999, true, timing)).to.equal('silent');
    expect(linkAction(5000, 4000, 4000, false, timing)).to.equal('silent');
  });
});
