import cliProgress from 'cli-progress';
import type { LoadProgress } from './run-loadgen.js';

/**
 * The live line on stderr: elapsed seconds of the duration, clients by state, matches, games,
 * reconnects and errors so far. On a stream that is not a terminal it prints a line every 5 s instead.
 */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.bar = new cliProgress.SingleBar({
      stream,
      format:
        '{phase} [{bar}] {value}/{total} s | clients {playing} playing · {queued} queued · {reconnecting} reconnecting | matches {matches} | games {games} | reconnects {reconnectsOk}/{reconnects} ok | errors {errors}',
      barsize: 20,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    });
  }

  update(progress: LoadProgress): void {
    const { clients, totals } = progress;
    const payload = {
      phase: progress.phase === 'running' ? 'load' : 'drain',
      playing: clients.playing,
      queued: clients.queued + clients.connecting,
      reconnecting: clients.reconnecting,
      matches: totals.matches,
      games: totals.gamesCompleted,
      reconnects: totals.reconnectsAttempted,
      reconnectsOk: totals.reconnectsSucceeded,
      errors: totals.errors,
    };
    const value = Math.min(progress.durationSec, Math.round(progress.elapsedSec));
    if (!this.started) {
      this.bar.start(Math.ceil(progress.durationSec), value, payload);
      this.started = true;
    } else this.bar.update(value, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
