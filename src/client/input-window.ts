import type { InputBatch, PaddleInput, Packet } from '../gen/mini/room/v1/packets.js';

/** Paddle direction: -1 up, 0 stay, +1 down. */
export type Direction = -1 | 0 | 1;

/** How many of the latest inputs every InputBatch carries, so that lost packets change nothing. */
export const INPUT_REDUNDANCY = 8;

/**
 * The client's inputs for the room, one per tick, numbered on from the Welcome's last_input_seq, and
 * the packet that carries the newest `size` of them (newest last). Reuses its objects, so a tick
 * allocates nothing once the window is full: the returned packet is valid until the next push.
 */
export class InputWindow {
  private readonly batch: InputBatch;
  private readonly packet: Packet;
  private seq: number;

  constructor(
    connectionId: number,
    lastInputSeq: number,
    private readonly size = INPUT_REDUNDANCY,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('input window size must be a positive integer');
    this.seq = lastInputSeq;
    this.batch = { connectionId, inputs: [] };
    this.packet = { inputs: this.batch };
  }

  /** Sequence number of the newest input (the Welcome's last_input_seq before the first push). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Records this tick's input and returns the InputBatch packet to send. */
  push(direction: Direction): Packet {
    const inputs = this.batch.inputs;
    this.seq += 1;
    let input: PaddleInput;
    if (inputs.length < this.size) input = { seq: 0, direction: 0 };
    else input = inputs.shift()!;
    input.seq = this.seq;
    input.direction = direction;
    inputs.push(input);
    return this.packet;
  }
}
