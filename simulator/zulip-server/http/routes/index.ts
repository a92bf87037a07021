/** The fake server's route table. */
import type { RouteDef } from '../route';
import { adminRoutes } from './admin';
import { deviceRoutes } from './devices';
import { messageRoutes } from './messages';
import { verifyRoutes } from './verify';

export const routes: RouteDef[] = [...deviceRoutes, ...messageRoutes, ...verifyRoutes, ...adminRoutes];
