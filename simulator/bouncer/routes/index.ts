/** Every bouncer endpoint, in one list. */
import type { RouteDef } from '../http/route';
import { analyticsRoutes } from './analytics';
import { serverRoutes } from './server';
import { transferRoutes } from './transfer';

export const routes: RouteDef[] = [...serverRoutes, ...transferRoutes, ...analyticsRoutes];
