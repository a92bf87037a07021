/** Every bouncer endpoint, in one list. */
import type { RouteDef } from '../http/route';
import { analyticsRoutes } from './analytics';
import { e2eeNotifyRoutes } from './e2ee-notify';
import { e2eeRegisterRoutes } from './e2ee-register';
import { legacyDeviceRoutes } from './push-register';
import { notifyRoutes } from './push-notify';
import { serverRoutes } from './server';
import { transferRoutes } from './transfer';

export const routes: RouteDef[] = [
  ...serverRoutes,
  ...transferRoutes,
  ...analyticsRoutes,
  ...legacyDeviceRoutes,
  ...notifyRoutes,
  ...e2eeRegisterRoutes,
  ...e2eeNotifyRoutes,
];
