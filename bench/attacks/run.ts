/**
 * Runs one of the gateway attacks and prints what the attacker managed and what bystanders saw:
 *
 *   npx tsx bench/attacks/run.ts slow-body [--sockets 1000] [--byte-interval-ms 5000] [--seconds 20] [--probe-from 127.0.0.2]
 *   npx tsx bench/attacks/run.ts sse-churn [--attackers 8] [--bystanders 20] [--seconds 15]
 *
 * Against `--gateway host:port` (a running system), or else a fresh Redis + Matcher + gateway of
 * its own, with `--env NAME=VALUE` (repeatable) for that gateway's environment.
 */
import { Command } from 'commander';
import { deviceIdOf } from '../../test/support/device-id.js';
import { requestFrom } from '../../test/gateway/http-from.js';
import { GatewayFixture } from '../../test/support/gateway-fixture.js';
import { SlowBodyAttack } from './slow-body.js';
import { churnSseWatches } from './sse-churn.js';

interface Options {
  gateway?: string;
  probeFrom?: string;
  env: string[];
  seconds: number;
  sockets: number;
  byteIntervalMs: number;
  attackers: number;
  bystanders: number;
}

const program = new Command('attack')
  .argument('<attack>', 'slow-body or sse-churn')
  .option('--gateway <host:port>', 'a running gateway (default: start a stack of its own)')
  .option('--probe-from <address>', 'slow-body: local address of the client that probes GET /healthz (another client than the attacker: 127.0.0.2 on loopback)')
  .option('--env <NAME=VALUE>', "the own gateway's environment (repeatable)", (v: string, all: string[]) => [...all, v], [])
  .option('--seconds <n>', 'how long the attack lasts', Number, 15)
  .option('--sockets <n>', 'slow-body: connections', Number, 1000)
  .option('--byte-interval-ms <n>', 'slow-body: one body byte per connection this often', Number, 5000)
  .option('--attackers <n>', 'sse-churn: accounts of the one attacking client, one watch in flight each', Number, 8)
  .option('--bystanders <n>', 'sse-churn: players holding a watch and calling meanwhile', Number, 20)
  .parse();
const [attack] = program.args as [string];
const options = program.opts<Options>();

const fixture = options.gateway ? undefined : await GatewayFixture.start(Object.fromEntries(options.env.map((kv) => kv.split('=', 2) as [string, string])));
const address = options.gateway ?? fixture!.gateway.address;
const baseUrl = `http://${address}`;
try {
  if (attack === 'slow-body') await slowBody();
  else if (attack === 'sse-churn') await sseChurn();
  else throw new Error(`unknown attack ${attack}: slow-body or sse-churn`);
} finally {
  await fixture?.stop();
}

async function slowBody(): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const slow = await SlowBodyAttack.open({ host, port, sockets: options.sockets, byteIntervalMs: options.byteIntervalMs });
  const stopAtMs = Date.now() + options.seconds * 1000;
  while (Date.now() < stopAtMs) {
    const startedMs = Date.now();
    const probe = await requestFrom(`${baseUrl}/healthz`, { localAddress: options.probeFrom, signal: AbortSignal.timeout(1000) }).then(
      (res) => String(res.status),
      (err: unknown) => (err instanceof Error ? err.name : 'failed'),
    );
    console.log(`slow connections open ${slow.open}/${options.sockets}; GET /healthz: ${probe} in ${Date.now() - startedMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const answers = new Map<string, number>();
  for (const c of slow.connections) {
    const what = c.answer ?? (c.closed ? 'closed unanswered' : 'still open');
    answers.set(what, (answers.get(what) ?? 0) + 1);
  }
  console.log(JSON.stringify({ sockets: options.sockets, open: slow.open, answers: Object.fromEntries(answers) }));
  slow.stop();
}

async function sseChurn(): Promise<void> {
  const login = async (label: string): Promise<string> => {
    const res = await fetch(`${baseUrl}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: deviceIdOf(label) }) });
    if (res.status !== 200) throw new Error(`POST /session answered ${res.status}`);
    return String(((await res.json()) as { token: string }).token);
  };
  const run = Date.now().toString(36);
  const attackerTokens = await Promise.all(Array.from({ length: options.attackers }, (_, i) => login(`attacker-${run}-${i}`)));
  const bystanderTokens = await Promise.all(Array.from({ length: options.bystanders }, (_, i) => login(`bystander-${run}-${i}`)));
  const report = await churnSseWatches({ baseUrl, attackerTokens, bystanderTokens, durationMs: options.seconds * 1000, bystanderCallGapMs: 20 });
  console.log(JSON.stringify({ ...report, bystanderCallErrors: report.bystanderCallErrors.length, firstCallErrors: report.bystanderCallErrors.slice(0, 5) }, null, 1));
}
