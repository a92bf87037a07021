/** Remove events (§C.5): 200 newest ids, FCM normal priority, APNs without alert. */
import type { LegacyPushDevice } from '../../types';
import { MAX_REMOVE_MESSAGE_IDS, truncateRemoveMessageIds } from '../common';
import { buildE2eeRemovePayload } from '../e2ee';
import { buildLegacyRemoveNotify } from '../legacy';
import { specRealm, testUser } from './fixtures';

const devices: LegacyPushDevice[] = [
  { userId: 10, kind: 'fcm', token: 'fcm-1', iosAppId: null },
  { userId: 10, kind: 'apns', token: 'apns-1', iosAppId: 'org.zulip.Zulip' },
];
const remove = (messageIds: number[], profile: 11 | 12 = 12) =>
  buildLegacyRemoveNotify({ realm: specRealm, externalHost: 'zulip.example.com', user: testUser, messageIds, devices, profile })!;

/** 1..n in a scrambled order. */
const scrambled = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % n) + 1);

describe('legacy remove payloads', () => {
  it('should send base + event "remove" + comma-joined ids to FCM with normal priority', () => {
    const body = remove([1, 2, 3]);
    expect(body.gcm_payload).toEqual({
      server: 'zulip.example.com',
      realm_id: 2,
      realm_uri: 'https://zulip.example.com',
      realm_url: 'https://zulip.example.com',
      realm_name: 'Example',
      user_id: 10,
      event: 'remove',
      zulip_message_ids: '1,2,3',
    });
    expect(body.gcm_options).toEqual({ priority: 'normal' });
  });

  it('should send APNs a badge and custom.zulip only: no alert, no sound, no server/realm_id', () => {
    expect(remove([1, 2, 3]).apns_payload).toEqual({
      badge: 0,
      custom: {
        zulip: {
          realm_uri: 'https://zulip.example.com',
          realm_url: 'https://zulip.example.com',
          realm_name: 'Example',
          user_id: 10,
          event: 'remove',
          zulip_message_ids: '1,2,3',
        },
      },
    });
  });

  it('should sort the ids ascending', () => {
    expect(remove([30, 10, 20]).gcm_payload).toHaveProperty('zulip_message_ids', '10,20,30');
  });

  it('should keep exactly 200 ids untouched', () => {
    const ids = remove(scrambled(200)).gcm_payload as { zulip_message_ids: string };
    expect(ids.zulip_message_ids.split(',')).toHaveLength(200);
  });

  it('should keep only the 200 newest of more ids, ascending (1..249 → 50..249)', () => {
    const expected = Array.from({ length: 200 }, (_, i) => i + 50).join(',');
    const body = remove(scrambled(249));
    expect(body.gcm_payload).toHaveProperty('zulip_message_ids', expected);
    expect((body.apns_payload as { custom: { zulip: { zulip_message_ids: string } } }).custom.zulip.zulip_message_ids).toBe(expected);
  });

  it('should truncate E2EE removals the same way', () => {
    expect(MAX_REMOVE_MESSAGE_IDS).toBe(200);
    expect(buildE2eeRemovePayload({ realm: specRealm, user: testUser, messageIds: scrambled(201) }).message_ids).toEqual(
      truncateRemoveMessageIds(scrambled(201)),
    );
    expect(truncateRemoveMessageIds(scrambled(201))[0]).toBe(2);
  });

  it('should build the same remove request on 11.x', () => {
    expect(remove([5, 4], 11)).toEqual(remove([5, 4], 12));
  });
});
