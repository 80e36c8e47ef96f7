import { DEFAULT_SIM_CONFIG, TICK_RATE_HZ, type SimConfig } from './sim/config.js';

/** How rooms behave around the pure sim; built once from the server config. */
export interface RoomRules {
  sim: SimConfig;
  /** A seat not heard from for this long is released and the player marked reconnecting. */
  silenceTimeoutMs: number;
  checkpointIntervalTicks: number;
  /** A room still waiting for its players after this many ticks is abandoned. */
  abandonTicks: number;
  /** Ticks an ended room keeps sending its final state before it is forgotten. */
  lingerTicks: number;
}

/** The rules from the server's settings, on top of the default game. */
export function roomRules(settings: {
  scoreLimit: number;
  silenceTimeoutMs: number;
  reconnectGraceSec: number;
  abandonTimeoutSec: number;
  checkpointIntervalTicks: number;
}): RoomRules {
  return {
    sim: { ...DEFAULT_SIM_CONFIG, scoreLimit: settings.scoreLimit, reconnectGraceTicks: settings.reconnectGraceSec * TICK_RATE_HZ },
    silenceTimeoutMs: settings.silenceTimeoutMs,
    checkpointIntervalTicks: settings.checkpointIntervalTicks,
    abandonTicks: settings.abandonTimeoutSec * TICK_RATE_HZ,
    lingerTicks: 2 * TICK_RATE_HZ,
  };
}
