/** Logging sinks: JSON lines in a per-component file, secrets redacted at the logger. */
import fs from 'node:fs';
import path from 'node:path';
import { VirtualClock } from '../clock';
import { createComponentLog, REDACTED } from '../logging';
import { tempDir } from '../../../harness/testing/temp-dir';

const tmp = () => tempDir('zpg-log-');

describe('component logs', () => {
  it('should write JSON lines to <dataDir>/logs/<component>.log with the clock\'s time', () => {
    const dataDir = tmp();
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const log = createComponentLog({ component: 'bouncer', dataDir, clock });
    log.logger.child({ logger: 'zilencer.views' }).info('hello');
    expect(log.file).toBe(path.join(dataDir, 'logs', 'bouncer.log'));
    expect(log.lines()).toEqual([
      expect.objectContaining({ level: 30, time: '2026-01-01T00:00:00.000Z', component: 'bouncer', logger: 'zilencer.views', msg: 'hello' }),
    ]);
    expect(log.sink).toMatchObject({ name: 'bouncer.log', kind: 'log', path: log.file });
  });

  it('should scrub every registered secret wherever it appears, raw or JSON-escaped', () => {
    const log = createComponentLog({ component: 'c', dataDir: tmp(), clock: new VirtualClock() });
    const orgKey = 'Zq'.repeat(32);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----';
    log.redactor.add(orgKey);
    log.redactor.add(pem);
    log.logger.info(`key is ${orgKey}`);
    log.logger.info({ detail: { nested: pem } }, 'a pem');
    const text = fs.readFileSync(log.file, 'utf8');
    expect(text).not.toContain(orgKey);
    expect(text).not.toContain('MIGHAgEAMBMGByqGSM49');
    expect(log.lines().map((l) => l.msg)).toEqual([`key is ${REDACTED}`, 'a pem']);
  });

  it('should censor secret-bearing fields by name', () => {
    const log = createComponentLog({ component: 'c', dataDir: tmp(), clock: new VirtualClock() });
    log.logger.info({ headers: { authorization: 'Basic c2VjcmV0' }, zulip_org_key: 'x'.repeat(64) }, 'req');
    const [line] = log.lines();
    expect(line).toMatchObject({ headers: { authorization: REDACTED }, zulip_org_key: REDACTED });
  });

  it('should refuse to treat short strings as secrets', () => {
    const log = createComponentLog({ component: 'c', dataDir: tmp(), clock: new VirtualClock() });
    log.redactor.add('a');
    log.logger.info('a cat');
    expect(log.lines()[0]!.msg).toBe('a cat');
  });
});
