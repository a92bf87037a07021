/**
 * Privacy of the E2EE path (§6.1, §7.3 "Logging & content", §12; server-and-app.md §A.3, §G):
 * the bouncer forwards only ciphertext. A canary inside the plaintext never reaches the
 * bouncer's log, its database files or what the mock providers received; the bouncer does not
 * keep the ciphertext either; and the phone opens what the provider delivered to exactly the
 * plaintext the server encrypted.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import {
  databaseBytes,
  decryptFor,
  encryptFor,
  mark,
  messagePlaintext,
  newOrg,
  notify,
  pushRequest,
  registerPhone,
  startNotifyStack,
  stopNotifyStack,
  successBody,
  type NotifyEnv,
} from './e2ee-notify-support';

describe.each([11, 12] as const)('push/e2ee/notify privacy (%i.x)', (profile) => {
  let env: NotifyEnv;
  beforeAll(async () => {
    env = await startNotifyStack(profile);
  });
  afterAll(() => stopNotifyStack(env));

  it('should carry only ciphertext that the phone decrypts to exactly the plaintext', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const canary = `CANARY-${profile}-${crypto.createHash('sha256').update(`privacy-${profile}`).digest('hex').slice(0, 24)}`;
    const plaintext = messagePlaintext(canary);
    const sealed = { ios: encryptFor(ios, plaintext), android: encryptFor(android, plaintext) };
    const m = mark(env);

    const res = await notify(env, org, [pushRequest(env, ios, sealed.ios), pushRequest(env, android, sealed.android)]);
    expect(res.body).toEqual(successBody(env, 1, 1, []));
    const apns = await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
    const fcm = await env.stack.fcm.journal.next(android.token, { afterSeq: m.fcm });

    // The phones: what arrived opens to the plaintext, byte for byte.
    const apnsData = (apns.notification as { encrypted_data: string }).encrypted_data;
    const fcmData = (fcm.notification as { data: { encrypted_data: string } }).data.encrypted_data;
    expect(apnsData).toBe(sealed.ios);
    expect(fcmData).toBe(sealed.android);
    expect(decryptFor(ios, apnsData)).toBe(plaintext);
    expect(decryptFor(android, fcmData)).toBe(plaintext);
    // Each device has its own key: one phone cannot open the other's notification.
    expect(() => decryptFor(android, apnsData)).toThrow();

    // Every form a leak could take: the canary, the plaintext, its base64.
    const secrets = [canary, plaintext, Buffer.from(plaintext).toString('base64'), `Sender ${canary}`];
    const leaks = (where: string, bytes: Buffer | string) => {
      const haystack = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
      return secrets.filter((s) => haystack.includes(Buffer.from(s, 'utf8'))).map((s) => `${where}: ${s.slice(0, 30)}`);
    };

    const apnsDump = env.stack.apns.journal.dump();
    const fcmDump = env.stack.fcm.journal.dump();
    const bouncerLog = fs.readFileSync(env.bouncer.logFile);
    const dbFiles = databaseBytes(env);
    // The scan reads live data: the device tokens the bouncer stored are in those bytes.
    expect(dbFiles.some((b) => b.includes(ios.token)) && dbFiles.some((b) => b.includes(android.token))).toBe(true);
    expect([
      ...leaks('apns journal', apnsDump),
      ...leaks('fcm journal', fcmDump),
      ...leaks('apns log', fs.readFileSync(env.stack.apns.logFile)),
      ...leaks('fcm log', fs.readFileSync(env.stack.fcm.logFile)),
      ...leaks('bouncer log', bouncerLog),
      ...dbFiles.flatMap((b, i) => leaks(`bouncer db file ${i}`, b)),
    ]).toEqual([]);

    // The providers hold the ciphertext (that is what they deliver)...
    expect(apnsDump).toContain(sealed.ios);
    expect(fcmDump).toContain(sealed.android);
    // ...the bouncer keeps none of it: not in its log, not in its database.
    for (const data of [sealed.ios, sealed.android]) {
      expect(bouncerLog.includes(data)).toBe(false);
      for (const b of dbFiles) expect(b.includes(data)).toBe(false);
    }
  });

  it('should keep the canary out of every sink the stack reports', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    const canary = `CANARY-SINKS-${profile}-7f3a9c`;
    const m = mark(env);
    await notify(env, org, [pushRequest(env, ios, encryptFor(ios, messagePlaintext(canary)))]);
    await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });

    const scanned: string[] = [];
    for (const sink of env.stack.sinks()) {
      const contents: Buffer[] = [];
      if (sink.read) contents.push(Buffer.from(sink.read(), 'utf8'));
      if (sink.path) for (const f of [sink.path, `${sink.path}-wal`, `${sink.path}-shm`]) if (fs.existsSync(f)) contents.push(fs.readFileSync(f));
      if (contents.length > 0) scanned.push(sink.name);
      for (const c of contents) expect({ sink: sink.name, leaked: c.includes(canary) }).toEqual({ sink: sink.name, leaked: false });
    }
    expect(scanned).toEqual(expect.arrayContaining(['bouncer.db', 'apns.journal', 'fcm.journal']));
  });
});
