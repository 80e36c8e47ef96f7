/**
 * `npm run bot`: bot players that queue, play and queue again until Ctrl-C — an opponent for
 * `npm run play`, or background load for a local system.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from 'commander';
import { hostPortArg, serviceCommand } from '../shared/config/cli.js';
import { Bot } from './bot.js';

function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be 1..1000');
  return n;
}

const flags = serviceCommand('bot', 'Bot players: queue, play a game, queue again, until Ctrl-C')
  .option('--matcher <host:port>', 'Matcher gRPC address', hostPortArg, '127.0.0.1:50051')
  .option('--mmr <mmr>', 'matchmaking rating of every bot', Number, 1200)
  .option('--count <n>', 'bots to run', countArg, 1)
  .parse(process.argv)
  .opts<{ matcher: string; mmr: number; count: number }>();

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

async function playForever(index: number): Promise<void> {
  const deviceId = `bot-${index}-${randomBytes(4).toString('hex')}`;
  while (!stop.signal.aborted) {
    const bot = new Bot(flags.matcher, { deviceId, mmr: flags.mmr });
    try {
      const over = await bot.run(stop.signal);
      process.stdout.write(`${deviceId}: game over (${over.reason})\n`);
    } catch (err) {
      if (!stop.signal.aborted) process.stderr.write(`${deviceId}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

process.stdout.write(`${flags.count} bot(s) with MMR ${flags.mmr} playing through ${flags.matcher}; Ctrl-C stops\n`);
await Promise.all(Array.from({ length: flags.count }, (_, i) => playForever(i)));
