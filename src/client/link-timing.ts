/** When a connected link sends a keepalive, and when it counts the room as gone. */
export interface LinkTiming {
  /** Nothing received from the room for this long: reconnect. */
  silenceTimeoutMs: number;
  /** Nothing sent for this long: send a Keepalive. */
  keepaliveMs: number;
}

/** Reconnect after 1 s of silence; keepalive after 250 ms without sending. */
export const defaultLinkTiming: Readonly<LinkTiming> = { silenceTimeoutMs: 1000, keepaliveMs: 250 };

/** What a connected link does at a tick of its timer. */
export type LinkAction = 'silent' | 'inputs' | 'keepalive' | 'none';

/**
 * Decides a tick: silence beats everything; while the game is playing an input goes out every tick
 * (which also keeps the link alive); otherwise a keepalive once nothing went out for a while.
 */
export function linkAction(nowMs: number, lastReceivedMs: number, lastSentMs: number, playing: boolean, timing: LinkTiming): LinkAction {
  if (nowMs - lastReceivedMs >= timing.silenceTimeoutMs) return 'silent';
  if (playing) return 'inputs';
  return nowMs - lastSentMs >= timing.keepaliveMs ? 'keepalive' : 'none';
}
