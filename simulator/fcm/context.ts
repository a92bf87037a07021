/**
 * Everything the mock FCM's routes share: one object, built once by startMockFcm (index.ts).
 */
import type { Clock } from '../core/clock';
import type { ComponentLog, Logger } from '../core/logging';
import type { Device, DeviceRegistry } from '../core/provider-mock/devices';
import type { FaultRules } from '../core/provider-mock/faults';
import type { Journal } from '../core/provider-mock/journal';
import type { AccessTokenStore } from './access-tokens';
import type { IdGenerator } from './ids';
import type { ServiceAccount, ServiceAccountRegistry } from './service-account';

export interface FcmContext {
  clock: Clock;
  journal: Journal;
  rules: FaultRules;
  devices: DeviceRegistry;
  accounts: ServiceAccountRegistry;
  tokens: AccessTokenStore;
  ids: IdGenerator;
  log: ComponentLog;
  logger: Logger;
  defaultProject: string;
  /** Every `aud` the token endpoint accepts: the mock's token URLs and Google's. */
  audiences(): Set<string>;
  /** Adds a Firebase project with a fresh service account (and its JSON file). */
  addProject(projectId: string): Promise<ServiceAccount>;
  /** A registration token for a simulated phone, in FCM's format unless one is given. */
  createDevice(projectId?: string, opts?: { token?: string; label?: string }): Device;
}
