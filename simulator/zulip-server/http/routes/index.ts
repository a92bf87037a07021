/** The fake server's route table. */
import type { RouteDef } from '../route';
import { adminRoutes } from './admin';
import { deviceRoutes } from './devices';
import { messageRoutes } from './messages';
import { registerSnapshotRoutes } from './register-snapshot';
import { verifyRoutes } from './verify';

export const routes: RouteDef[] = [...deviceRoutes, ...registerSnapshotRoutes, ...messageRoutes, ...verifyRoutes, ...adminRoutes];
