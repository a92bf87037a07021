/**
 * RemotePushDevice rows: E2EE registrations (bouncer-protocol.md §6.2 step 6, §6.3 step 4,
 * §7.3, §11), table `remote_push_device`.
 *
 *  - 11.x profile: keyed for the server by `device_id`; a registration with the same
 *    (token, push_account_id) in ANY realm returns the existing row (Zulip's lookup does not
 *    filter by realm).
 *  - 12.x profile: keyed by `token_id`, unique per (token_id, remote_realm); re-registering is a
 *    no-op.
 *
 * `push_account_id` and `token_id` are BigIntegerFields (signed int64) in Zulip. They are
 * `bigint` here: bound as BigInt, and read through `safeIntegers` statements, so ids beyond
 * 2^53 stay exact (JS numbers would silently round them and merge distinct ids).
 */
import type { E2eeTokenKind } from '../e2ee/registration';
import type { Db } from './db';

export interface RemotePushDevice {
  deviceId: number;
  remoteRealmId: number;
  token: string;
  tokenKind: E2eeTokenKind;
  iosAppId: string | null;
  /** 11.x rows. */
  pushAccountId: bigint | null;
  /** 12.x rows (signed int64; base64 form via e2ee/token-id encodeTokenId). */
  tokenId: bigint | null;
  /** Unix seconds when APNs/FCM reported the token dead; such rows are never sent to. */
  expiredTime: number | null;
}

export interface NewE2eeDevice {
  token: string;
  tokenKind: E2eeTokenKind;
  iosAppId: string | null;
}

export interface Registered {
  device: RemotePushDevice;
  /** False when the registration already existed (idempotent repeat). */
  created: boolean;
}

/** Rows as read with safeIntegers(true): every INTEGER column is a bigint. */
interface Row {
  device_id: bigint;
  remote_realm_id: bigint;
  token: string;
  token_kind: string;
  ios_app_id: string | null;
  push_account_id: bigint | null;
  token_id: bigint | null;
  expired_time: number | bigint | null;
}

const fromRow = (r: Row): RemotePushDevice => ({
  deviceId: Number(r.device_id),
  remoteRealmId: Number(r.remote_realm_id),
  token: r.token,
  tokenKind: r.token_kind as E2eeTokenKind,
  iosAppId: r.ios_app_id,
  pushAccountId: r.push_account_id,
  tokenId: r.token_id,
  expiredTime: r.expired_time === null ? null : Number(r.expired_time),
});

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
export const isInt64 = (n: bigint): boolean => n >= INT64_MIN && n <= INT64_MAX;

export class E2eeDeviceStore {
  private readonly q;

  constructor(private readonly db: Db) {
    const read = <P extends unknown[]>(sql: string) => db.prepare<P, Row>(sql).safeIntegers(true);
    this.q = {
      byId: read<[number]>('SELECT * FROM remote_push_device WHERE device_id = ?'),
      byAccountToken: read<[bigint, string]>(
        'SELECT * FROM remote_push_device WHERE push_account_id = ? AND token = ? ORDER BY device_id LIMIT 1',
      ),
      byTokenIdRealm: read<[bigint, number]>(
        'SELECT * FROM remote_push_device WHERE token_id = ? AND remote_realm_id = ?',
      ),
      all: read<[]>('SELECT * FROM remote_push_device ORDER BY device_id'),
      forRealm: read<[number]>('SELECT * FROM remote_push_device WHERE remote_realm_id = ? ORDER BY device_id'),
      insert: db.prepare(
        `INSERT INTO remote_push_device (remote_realm_id, token, token_kind, ios_app_id, push_account_id, token_id)
         VALUES (@remoteRealmId, @token, @tokenKind, @iosAppId, @pushAccountId, @tokenId)`,
      ),
      expire: db.prepare('UPDATE remote_push_device SET expired_time = ? WHERE device_id = ? AND expired_time IS NULL'),
    };
  }

  byId(deviceId: number): RemotePushDevice | undefined {
    const r = this.q.byId.get(deviceId);
    return r && fromRow(r);
  }

  /**
   * 11.x: the device with this (push_account_id, token), in any realm, or a new one in
   * `remoteRealmId` (zilencer/views.py do_register_remote_push_device, FL 406–467).
   */
  registerByPushAccount(remoteRealmId: number, device: NewE2eeDevice, pushAccountId: bigint): Registered {
    return this.db.transaction((): Registered => {
      const existing = this.q.byAccountToken.get(pushAccountId, device.token);
      if (existing) return { device: fromRow(existing), created: false };
      return { device: this.insert(remoteRealmId, device, { pushAccountId, tokenId: null }), created: true };
    })();
  }

  /** 12.x: the device with this token_id in the realm, or a new one (FL 468+). */
  registerByTokenId(remoteRealmId: number, device: NewE2eeDevice, tokenId: bigint): Registered {
    return this.db.transaction((): Registered => {
      const existing = this.q.byTokenIdRealm.get(tokenId, remoteRealmId);
      if (existing) return { device: fromRow(existing), created: false };
      return { device: this.insert(remoteRealmId, device, { pushAccountId: null, tokenId }), created: true };
    })();
  }

  /**
   * 11.x notify: the realm's non-expired devices among `deviceIds` (unknown ids, other realms'
   * devices and expired ones are simply absent — the caller reports those for deletion).
   */
  activeByDeviceIds(remoteRealmId: number, deviceIds: readonly number[]): RemotePushDevice[] {
    const ids = [...new Set(deviceIds)].filter((id) => Number.isSafeInteger(id));
    if (ids.length === 0) return [];
    return this.selectActive('device_id', remoteRealmId, ids);
  }

  /** 12.x notify: the realm's non-expired devices among `tokenIds` (decoded int64s). */
  activeByTokenIds(remoteRealmId: number, tokenIds: readonly bigint[]): RemotePushDevice[] {
    const ids = [...new Set(tokenIds)].filter(isInt64);
    if (ids.length === 0) return [];
    return this.selectActive('token_id', remoteRealmId, ids);
  }

  /** APNs/FCM said the token is dead: expired_time = now (kept if already set). */
  expire(deviceId: number, now: number): void {
    this.q.expire.run(now, deviceId);
  }

  /** Every row, by device_id. */
  list(): RemotePushDevice[] {
    return this.q.all.all().map(fromRow);
  }

  forRealm(remoteRealmId: number): RemotePushDevice[] {
    return this.q.forRealm.all(remoteRealmId).map(fromRow);
  }

  private insert(
    remoteRealmId: number,
    d: NewE2eeDevice,
    ids: { pushAccountId: bigint | null; tokenId: bigint | null },
  ): RemotePushDevice {
    const info = this.q.insert.run({
      remoteRealmId,
      token: d.token,
      tokenKind: d.tokenKind,
      iosAppId: d.iosAppId,
      pushAccountId: ids.pushAccountId,
      tokenId: ids.tokenId,
    });
    return this.byId(Number(info.lastInsertRowid))!;
  }

  private selectActive(column: 'device_id' | 'token_id', remoteRealmId: number, ids: (number | bigint)[]): RemotePushDevice[] {
    const out: RemotePushDevice[] = [];
    // SQLite's default limit on bound parameters is far above this chunk size.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const stmt = this.db
        .prepare<unknown[], Row>(
          `SELECT * FROM remote_push_device
           WHERE remote_realm_id = ? AND expired_time IS NULL AND ${column} IN (${chunk.map(() => '?').join(', ')})
           ORDER BY device_id`,
        )
        .safeIntegers(true);
      out.push(...stmt.all(remoteRealmId, ...chunk).map(fromRow));
    }
    return out;
  }
}
