import { expect } from 'chai';
import { CommanderError } from 'commander';
import { defaultOutDir, loadgenCommand, parseLoadgenArgs } from '../../src/loadgen/options.js';

/** Parses as the CLI would, but throws instead of exiting and prints nothing. */
function parse(...argv: string[]) {
  const command = loadgenCommand(new Date('2026-01-02T03:04:05.678Z'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return parseLoadgenArgs(argv, command);
}

function parseError(...argv: string[]): CommanderError {
  try {
    parse(...argv);
  } catch (err) {
    if (err instanceof CommanderError) return err;
    throw err;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('loadgen flags', () => {
  it('has defaults for everything, gRPC to the local Matcher, reports under .data/loadgen/<time>', () => {
    expect(parse()).to.deep.equal({
      clients: 10,
      durationSec: 30,
      rampUpSec: 0,
      matcherTarget: '127.0.0.1:50051',
      gatewayAddr: undefined,
      reconnectRate: 0.1,
      reconnectDownMs: 1000,
      mmr: 1500,
      mmrSpread: 300,
      regions: [],
      json: false,
      outDir: '.data/loadgen/2026-01-02T03-04-05Z',
      progress: true,
    });
    expect(defaultOutDir(new Date('2026-11-27T17:42:57.123Z'))).to.equal('.data/loadgen/2026-11-27T17-42-57Z');
  });

  it('takes every flag', () => {
    const options = parse(
      ...['--clients', '100', '--duration', '60', '--ramp-up', '5', '--gateway', 'localhost:8080', '--reconnect-rate', '0.25'],
      ...['--reconnect-down-ms', '0', '--mmr', '2000', '--mmr-spread', '50', '--json', '--out', '/tmp/x', '--no-progress'],
      ...['--regions', 'eu-west,us-east'],
    );
    expect(options.regions).to.deep.equal(['eu-west', 'us-east']);
    expect(options).to.include({ clients: 100, durationSec: 60, rampUpSec: 5, gatewayAddr: 'localhost:8080', reconnectRate: 0.25, reconnectDownMs: 0 });
    expect(options).to.include({ mmr: 2000, mmrSpread: 50, json: true, outDir: '/tmp/x', progress: false });
  });

  const bad: [string[], RegExp][] = [
    [['--clients', '1'], /--clients.*must be an integer 2\.\.10000/],
    [['--clients', 'ten'], /--clients.*must be an integer/],
    [['--clients', '2.5'], /--clients.*must be an integer/],
    [['--duration', '0'], /--duration.*more than 0/],
    [['--duration', ''], /--duration.*must be seconds/],
    [['--reconnect-rate', '1.5'], /--reconnect-rate.*must be a fraction 0\.\.1/],
    [['--reconnect-rate', '-0.1'], /--reconnect-rate.*fraction/],
    [['--reconnect-down-ms', '10000'], /--reconnect-down-ms.*0\.\.9000/],
    [['--mmr', '100001'], /--mmr .*0\.\.100000/],
    [['--regions', 'eu,US'], /--regions.*a-z 0-9/],
    [['--regions', 'eu,,us'], /--regions.*a-z 0-9/],
    [['--matcher', 'nohost'], /--matcher.*host:port/],
    [['--gateway', 'h:99999'], /--gateway.*host:port/],
    [['--ramp-up', '30'], /--ramp-up \(30 s\) must be shorter than --duration \(30 s\)/],
    [['--matcher', 'a:1', '--gateway', 'b:2'], /either --matcher \(gRPC\) or --gateway \(REST\), not both/],
    [['--clients', '4', 'extra'], /too many arguments/],
    [['--bogus'], /unknown option '--bogus'/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')} with a clear message`, () => {
      const err = parseError(...argv);
      expect(err.exitCode).to.equal(1);
      expect(err.message).to.match(message);
    });
  }
});
