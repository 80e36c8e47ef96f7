/**
 * `npm run bot`: bot players that queue, play and queue again until Ctrl-C — an opponent for
 * `npm run play`, or background load for a local system.
 */
import { InvalidArgumentError } from 'commander';
import { matcherOption, serviceCommand } from '../shared/config/cli.js';
import { backoffDelayMs, defaultBackoff, delay } from './backoff.js';
import { Bot } from './bot.js';
import { newDeviceId } from './device-id.js';

function mmrArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100000) throw new InvalidArgumentError('must be a number 0..100000');
  return n;
}

function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be 1..1000');
  return n;
}

const flags = serviceCommand('bot', 'Bot players: queue, play a game, queue again, until Ctrl-C')
  .addOption(matcherOption())
  .option('--mmr <mmr>', 'matchmaking rating of every bot', mmrArg, 1200)
  .option('--count <n>', 'bots to run', countArg, 1)
  .parse(process.argv)
  .opts<{ matcher: string; mmr: number; count: number }>();

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

async function playForever(): Promise<void> {
  const deviceId = newDeviceId();
  let failures = 0;
  while (!stop.signal.aborted) {
    const bot = new Bot(flags.matcher, { deviceId, mmr: flags.mmr });
    try {
      const over = await bot.run(stop.signal);
      process.stdout.write(`${deviceId}: game over (${over.reason})\n`);
      failures = 0;
    } catch (err) {
      if (stop.signal.aborted) return;
      process.stderr.write(`${deviceId}: ${err instanceof Error ? err.message : String(err)}\n`);
      // Back off, so that a failure that repeats at once does not spin.
      await delay(backoffDelayMs(failures++, defaultBackoff, Math.random()), stop.signal).catch(() => {});
    }
  }
}

process.stdout.write(`${flags.count} bot(s) with MMR ${flags.mmr} playing through ${flags.matcher}; Ctrl-C stops\n`);
await Promise.all(Array.from({ length: flags.count }, () => playForever()));
