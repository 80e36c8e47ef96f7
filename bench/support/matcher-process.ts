import { startMatcher, startService, type ServiceProcess } from '../../test/support/service-process.js';

/**
 * Starts a Matcher as the tests do (startMatcher), optionally with node's own flags, given as one
 * space-separated string ("--trace-gc --cpu-prof --cpu-prof-dir=/tmp/p"), for profiling.
 */
export function startBenchMatcher(redisUrl: string, env: Record<string, string>, cpu: number, nodeArgs = ''): Promise<ServiceProcess> {
  const flags = nodeArgs.split(' ').filter((a) => a !== '');
  if (flags.length === 0) return startMatcher(redisUrl, env, cpu);
  // ServiceProcess runs `node --import tsx <entry> <args>`: node's flags go in front of the entry, and
  // --metrics-port is then not added for us.
  const [first, ...rest] = [...flags, 'src/matcher/main.ts', '--port', '0', '--host', '127.0.0.1', '--metrics-port', '0'];
  return startService(first!, rest, { REDIS_URL: redisUrl, ...env }, { cpu });
}
