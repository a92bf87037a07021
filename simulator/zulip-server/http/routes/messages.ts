import type { RouteDef } from '../route';

export const messageRoutes: RouteDef[] = [];
