/** A restarted bouncer on the same data dir keeps every registration (§11). */
import fs from 'node:fs';
import path from 'node:path';
import { VirtualClock } from '../../core/clock';
import { startBouncer } from '../index';
import { call, DEACTIVATE, randomOrgKey, REGISTER, registerForm, registerServer } from './support';
import { tempDir } from '../../../harness/testing/temp-dir';

describe('restart persistence', () => {
  it('should keep servers, rotated keys and deactivations across a restart', async () => {
    const dataDir = tempDir('zpg-persist-');
    const clock = new VirtualClock();

    // 1. first life: register two servers, rotate one key, deactivate the other
    const first = await startBouncer({ dataDir, clock });
    const rotated = await registerServer(first);
    const newKey = randomOrgKey();
    await call(first, 'POST', REGISTER, { form: registerForm(rotated, { new_org_key: newKey }) });
    const gone = await registerServer(first);
    await call(first, 'POST', DEACTIVATE, { json: {}, auth: gone });
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'bouncer', 'bouncer.sqlite3'))).toBe(true);

    // 2. second life on the same data dir
    const second = await startBouncer({ dataDir, clock });
    try {
      const withNewKey = await call(second, 'GET', '/api/v1/remotes/server/analytics/status', {
        auth: { ...rotated, key: newKey },
      });
      expect(withNewKey.status).toBe(200);
      const withOldKey = await call(second, 'GET', '/api/v1/remotes/server/analytics/status', { auth: rotated });
      expect(withOldKey.status).toBe(401);
      const deactivated = await call(second, 'POST', REGISTER, { form: registerForm(gone) });
      expect(deactivated.body.code).toBe('REALM_DEACTIVATED');
      // the hostname is still taken
      const clash = await call(second, 'POST', REGISTER, {
        form: registerForm({ ...gone, uuid: '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe' }),
      });
      expect(clash.body.code).toBe('HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR');
      expect(second.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await second.stop();
    }
  });

  it('should run the same SQL in memory, leaving no database file', async () => {
    const bouncer = await startBouncer({ database: 'memory', clock: new VirtualClock() });
    try {
      await registerServer(bouncer);
      expect(bouncer.databaseFile).toBeNull();
      expect(bouncer.query('SELECT count(*) n FROM remote_zulip_server')).toEqual([{ n: 1 }]);
      expect(fs.existsSync(path.join(bouncer.dataDir, 'bouncer', 'bouncer.sqlite3'))).toBe(false);
    } finally {
      await bouncer.stop();
    }
  });
});
