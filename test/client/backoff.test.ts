import { expect } from 'chai';
import { backoffDelayMs, defaultBackoff } from '../../src/client/backoff.js';
import { parseHostPort } from '../../src/client/host-port.js';

describe('client reconnect backoff schedule (pure)', () => {
  it('doubles from 100 ms up to the 5 s cap without jitter', () => {
    const schedule = Array.from({ length: 9 }, (_, attempt) => backoffDelayMs(attempt, defaultBackoff, 0));
    expect(schedule).to.deep.equal([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('jitters each delay down to at most half, never above the ceiling', () => {
    for (const attempt of [0, 3, 10]) {
      const ceiling = backoffDelayMs(attempt, defaultBackoff, 0);
      expect(backoffDelayMs(attempt, defaultBackoff, 0.999999)).to.equal(Math.round(ceiling / 2));
      expect(backoffDelayMs(attempt, defaultBackoff, 0.5)).to.equal(Math.round(ceiling * 0.75));
    }
  });

  it('follows the policy it is given', () => {
    const policy = { initialMs: 50, maxMs: 1000, factor: 3, jitter: 0 };
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, policy, 0.9))).to.deep.equal([50, 150, 450, 1000]);
  });
});

describe('client room address parsing', () => {
  it('splits host:port and [v6]:port, and refuses anything else', () => {
    expect(parseHostPort('127.0.0.1:7777')).to.deep.equal({ host: '127.0.0.1', port: 7777 });
    expect(parseHostPort('room-1.local:9000')).to.deep.equal({ host: 'room-1.local', port: 9000 });
    expect(parseHostPort('[::1]:7777')).to.deep.equal({ host: '::1', port: 7777 });
    for (const bad of ['127.0.0.1', ':7777', '127.0.0.1:0', '127.0.0.1:70000', '::1:7777']) expect(() => parseHostPort(bad), bad).to.throw(RangeError);
  });
});
