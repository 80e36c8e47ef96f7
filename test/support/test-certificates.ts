import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const installHint = 'openssl is required for the TLS tests: install it (Debian/Ubuntu: apt-get install openssl)';

/** A throwaway CA and a server certificate it signed for 127.0.0.1, as PEM files in a temporary folder. */
export interface TestCertificates {
  /** The CA's certificate: what a client trusts (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Removes the folder. */
  stop(): void;
}

/** Makes a CA and a certificate for IP 127.0.0.1 with openssl (P-256 keys, valid one day). */
export function makeTestCertificates(): TestCertificates {
  if (spawnSync('openssl', ['version']).error) throw new Error(installHint);
  const dir = mkdtempSync(join(tmpdir(), 'mini-tls-'));
  const file = (name: string): string => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(['req', '-x509', ...key, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=mini test CA']);
  openssl(['req', ...key, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  const sign = ['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-extfile', file('server.ext')];
  openssl(['x509', '-req', '-in', file('server.csr'), ...sign, '-out', file('server.crt'), '-days', '1']);
  return {
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    stop: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.error) throw new Error(installHint);
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}
