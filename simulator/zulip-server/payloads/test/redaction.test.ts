/** require_e2ee_push_notifications (§C.7, §B.3): 11.x redacts legacy content, 12.x skips legacy. */
import type { LegacyPushDevice } from '../../types';
import { buildE2eeMessagePayload } from '../e2ee';
import { buildLegacyMessageNotify, buildLegacyRemoveNotify, legacySkipReason, REDACTED_CONTENT, type LegacyNotifyRequest } from '../legacy';
import { aaron, channelMessage, denmark, realm, testUser } from './fixtures';

const devices: LegacyPushDevice[] = [
  { userId: 10, kind: 'fcm', token: 'fcm-1', iosAppId: null },
  { userId: 10, kind: 'apns', token: 'apns-1', iosAppId: 'org.zulip.Zulip' },
];
const strict = realm({ requireE2eePushNotifications: true });
const open = realm({ requireE2eePushNotifications: false });
const input = (r = strict) => ({
  realm: r,
  externalHost: 'zulip.example.com',
  user: testUser,
  message: channelMessage(45, 6, denmark, 'launch plans', '<p>The launch code is 0000</p>', 1754385395),
  sender: aaron,
  channel: denmark,
  trigger: 'mentioned' as const,
  devices,
});
type Apns = { alert: { title: string; subtitle: string; body: string } };
type Gcm = { content: string };

describe('11.x with require_e2ee_push_notifications', () => {
  const redacted = buildLegacyMessageNotify({ ...input(), profile: 11 }) as LegacyNotifyRequest;
  const plain = buildLegacyMessageNotify({ ...input(open), profile: 11 }) as LegacyNotifyRequest;

  it('should replace APNs alert.body and FCM content by "New message"', () => {
    expect(REDACTED_CONTENT).toBe('New message');
    expect((redacted.apns_payload as Apns).alert.body).toBe('New message');
    expect((redacted.gcm_payload as Gcm).content).toBe('New message');
    expect(JSON.stringify(redacted)).not.toContain('launch code');
  });

  it('should keep everything else: title, subtitle, sender, channel and topic', () => {
    expect((redacted.apns_payload as Apns).alert).toEqual({ ...(plain.apns_payload as Apns).alert, body: 'New message' });
    expect(redacted.gcm_payload).toEqual({ ...plain.gcm_payload, content: 'New message' });
    expect((redacted.apns_payload as Apns).alert.title).toBe('#Denmark > launch plans');
    expect(redacted.apns_payload).toEqual({ ...plain.apns_payload, alert: (redacted.apns_payload as Apns).alert });
  });

  it('should not redact remove events', () => {
    const args = { realm: strict, externalHost: 'zulip.example.com', user: testUser, messageIds: [45], devices, profile: 11 as const };
    expect(buildLegacyRemoveNotify(args)).toEqual(buildLegacyRemoveNotify({ ...args, realm: open }));
  });
});

describe('12.x with require_e2ee_push_notifications', () => {
  it('should skip the legacy path entirely for messages and removals', () => {
    expect(buildLegacyMessageNotify({ ...input(), profile: 12 })).toBeNull();
    expect(buildLegacyRemoveNotify({ realm: strict, externalHost: 'h', user: testUser, messageIds: [45], devices, profile: 12 })).toBeNull();
    expect(legacySkipReason(strict, testUser, devices, 12)).toBe('require_e2ee');
    expect(legacySkipReason(strict, testUser, devices, 11)).toBeNull();
  });
});

describe('without the setting', () => {
  it.each([11, 12] as const)('should send the real content on %s.x', (profile) => {
    const body = buildLegacyMessageNotify({ ...input(open), profile })!;
    expect((body.apns_payload as Apns).alert.body).toBe('The launch code is 0000');
    expect((body.gcm_payload as Gcm).content).toBe('The launch code is 0000');
  });
});

describe('E2EE payloads', () => {
  it('should always carry the full content, whatever the setting', () => {
    expect(buildE2eeMessagePayload(input()).content).toBe('The launch code is 0000');
    expect(buildE2eeMessagePayload({ ...input(), profile: 11 }).content).toBe('The launch code is 0000');
  });
});
