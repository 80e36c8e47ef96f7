import { expect } from 'chai';
import { ConfigError } from '../../src/shared/config/env.js';
import { startRefusalOf } from '../../src/shared/redis/client.js';

/** An error as Node's TLS layer raises it: OpenSSL's text and a code. */
const tlsError = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('Redis errors at start-up: which stop the service, naming the variable', () => {
  it('wrong credentials name REDIS_URL for the primary and REDIS_SENTINEL_PASSWORD for a Sentinel', () => {
    const cases: [Error, string][] = [
      [new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'REDIS_URL'],
      [new Error('Ready check failed: NOAUTH Authentication required.'), 'REDIS_URL'],
      [new Error('failed to connect to sentinel 10.0.0.1:26379 because WRONGPASS invalid username-password pair or user is disabled.'), 'REDIS_SENTINEL_PASSWORD'],
      [new Error('All sentinels are unreachable. Retrying from scratch after 100ms. Last error: NOAUTH Authentication required.'), 'REDIS_SENTINEL_PASSWORD'],
    ];
    for (const [err, variable] of cases) {
      const refusal = startRefusalOf(err, 'mymaster');
      expect(refusal, err.message).to.be.instanceOf(ConfigError);
      expect(refusal!.message, err.message).to.match(new RegExp(`^${variable}: Redis refused the credentials`));
    }
  });

  it('a certificate not trusted here names REDIS_URL and NODE_EXTRA_CA_CERTS, raw or wrapped by ioredis', () => {
    const errors = [
      tlsError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
      tlsError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      tlsError("Hostname/IP does not match certificate's altnames: IP: 10.0.0.2 is not in the cert's list: 10.0.0.1", 'ERR_TLS_CERT_ALTNAME_INVALID'),
      tlsError('certificate has expired', 'CERT_HAS_EXPIRED'),
      new Error('failed to connect to sentinel 10.0.0.1:26379 because unable to get local issuer certificate'),
    ];
    for (const err of errors) expect(startRefusalOf(err, 'mymaster')?.message, err.message).to.match(/^REDIS_URL: .*NODE_EXTRA_CA_CERTS/);
  });

  it('a primary the Sentinels do not monitor names REDIS_SENTINEL_MASTER and the name', () => {
    for (const message of [
      'failed to connect to sentinel 10.0.0.1:26379 because ERR No such master with that name',
      'connected to sentinel 10.0.0.1:26379 successfully, but got an invalid reply: null',
    ]) {
      expect(startRefusalOf(new Error(message), 'game')?.message, message).to.match(/^REDIS_SENTINEL_MASTER: .*'game'/);
    }
  });

  it('leaves alone what may pass: Redis or a Sentinel not up yet, a closed connection', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      new Error('All sentinels are unreachable. Retrying from scratch after 100ms. Last error: connect ECONNREFUSED 127.0.0.1:26379'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('LOADING Redis is loading the dataset in memory'),
    ]) {
      expect(startRefusalOf(err, 'mymaster'), err.message).to.equal(undefined);
    }
  });
});
