import type { PaddleInput as WireInput } from '../gen/mini/room/v1/packets.js';
import type { Direction } from './sim/physics.js';
import type { PaddleInput } from './sim/step.js';

/** Most inputs a batch may carry, and most kept waiting; beyond that the oldest go, to bound input lag. */
export const maxInputsPerBatch = 64;
const maxPending = 16;

/** True when every input of a batch is well-formed: a positive integer sequence and a direction of -1, 0 or 1. */
export function validInputs(inputs: WireInput[]): boolean {
  if (inputs.length > maxInputsPerBatch) return false;
  return inputs.every((i) => Number.isInteger(i.seq) && i.seq > 0 && (i.direction === -1 || i.direction === 0 || i.direction === 1));
}

/**
 * One seat's inputs waiting for their tick. Clients send each input several times (redundancy), so
 * this keeps each sequence number once, in order, and hands the sim one input per tick.
 */
export class InputQueue {
  private pending: PaddleInput[] = [];

  /** Adds the inputs newer than the last applied one. */
  add(inputs: WireInput[], lastAppliedSeq: number): void {
    for (const input of inputs) {
      if (input.seq <= lastAppliedSeq || this.pending.some((p) => p.seq === input.seq)) continue;
      this.pending.push({ seq: input.seq, move: input.direction as Direction });
    }
    this.pending.sort((a, b) => a.seq - b.seq);
    if (this.pending.length > maxPending) this.pending = this.pending.slice(-maxPending);
  }

  /** The oldest input not yet applied, taken out of the queue. */
  next(lastAppliedSeq: number): PaddleInput | undefined {
    while (this.pending.length > 0) {
      const input = this.pending.shift()!;
      if (input.seq > lastAppliedSeq) return input;
    }
    return undefined;
  }
}
