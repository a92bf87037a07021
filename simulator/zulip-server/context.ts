/**
 * Everything a part of the fake Zulip server needs, in one object: the database, the settings,
 * the secrets file, the bouncer client, the push worker queue, the clock and the loggers. Routes
 * and the push, registration and analytics modules take it as their only dependency.
 */
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logging';
import type { BouncerClient } from './bouncer-client/client';
import type { ReactionLog } from './bouncer-client/reactions';
import type { SecretsFile } from './secrets-file';
import type { ZulipServerSettings } from './settings';
import type { ServerState } from './state';
import type { World } from './world';
import type { TaskQueue } from './task-queue';

export interface ZulipServerContext {
  state: ServerState;
  world: World;
  clock: Clock;
  /** settings.py as of now (a getter: settings change at run time). */
  settings(): ZulipServerSettings;
  /** Changes settings.py at run time (persisted to settings.json); e.g. `{ servicesUrl: null }` pauses. */
  updateSettings(change: Partial<ZulipServerSettings>): ZulipServerSettings;
  secrets: SecretsFile;
  /** The push bouncer client: ZULIP_SERVICES_URL and credentials are read per request. */
  bouncer: BouncerClient;
  /** The queue workers (missedmessage_mobile_notifications, push registration, deferred work). */
  queue: TaskQueue;
  /** The server's root logger; `zulipLog` writes Zulip's lines under their Python logger names. */
  logger: Logger;
  zulipLog: ReactionLog;
  /** Unix ms of the last `can_push: true` from the bouncer (record_push_notifications_recently_working). */
  pushesLastWorkingAt: number | null;
  /** Registers a secret with the log redactor (bearer tokens the server hands out or receives). */
  addSecret(secret: string): void;
}
