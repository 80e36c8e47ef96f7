import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keptDeviceId, newDeviceId } from '../../src/client/device-id.js';

describe('client device ids (pure but for a temp file)', () => {
  it('draws ids the Matcher accepts, each different', () => {
    const ids = Array.from({ length: 200 }, newDeviceId);
    expect(new Set(ids).size).to.equal(200);
    for (const id of ids) {
      expect(id).to.match(/^[A-Za-z0-9._~-]{16,128}$/);
      expect(new Set(id).size).to.be.at.least(8);
    }
  });

  it('keeps one id in a file readable by its owner only, and gives it back on every later run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mini-device-'));
    try {
      const file = join(dir, 'nested', 'device-id');
      const first = keptDeviceId(file);
      expect(keptDeviceId(file)).to.equal(first);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
