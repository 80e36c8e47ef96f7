import type { Direction } from './input-window.js';

/** What a key press asks for. */
export type KeyCommand = { kind: 'move'; direction: Direction } | { kind: 'quit' };

const commands: Record<string, KeyCommand> = {
  UP: { kind: 'move', direction: -1 },
  w: { kind: 'move', direction: -1 },
  DOWN: { kind: 'move', direction: 1 },
  s: { kind: 'move', direction: 1 },
  ' ': { kind: 'move', direction: 0 },
  q: { kind: 'quit' },
  CTRL_C: { kind: 'quit' },
};

/** The command of a terminal-kit key name (arrows, w/s, space stops, q or Ctrl-C quits). */
export function keyCommand(name: string): KeyCommand | undefined {
  return commands[name];
}

/** The last move key pressed, and when. */
export interface KeyPress {
  direction: Direction;
  atMs: number;
}

/**
 * Terminals report presses (and auto-repeats of a held key) but never releases, so a press moves the
 * paddle until `holdMs` after it: holding a key keeps it moving, letting go stops it soon after.
 */
export function heldDirection(last: KeyPress | undefined, nowMs: number, holdMs: number): Direction {
  return last && nowMs - last.atMs < holdMs ? last.direction : 0;
}
