/**
 * `npm run loadgen`: real clients (the client library) log in, queue with a spread of MMRs, get
 * matched, play over UDP at 60 Hz, cut their link and reconnect now and then, and queue again.
 * `--help` lists the flags; src/loadgen/README.md says what the report holds.
 */
import { parseLoadgenArgs } from './options.js';
import { runWithOutput } from './run-with-output.js';

const options = parseLoadgenArgs(process.argv.slice(2));

// Ctrl-C once: stop the load and report what happened so far; twice: quit at once.
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping: letting reconnects in flight finish, then closing every game (Ctrl-C again quits at once)\n');
  stop.abort();
});
process.once('SIGTERM', () => stop.abort());

try {
  const report = await runWithOutput(options, stop.signal);
  if (report.matches.rooms === 0) {
    const login = report.rpc.methods.AuthenticateDevice;
    const loggedIn = login !== undefined && login.calls > login.errors;
    const hint = loggedIn ? 'is a room server registered with the Matcher?' : `no client could log in: is ${report.target} up?`;
    process.stderr.write(`loadgen: no match was made: ${hint} (see errors above)\n`);
    process.exitCode = 1;
  }
} catch (err) {
  process.stderr.write(`loadgen failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
