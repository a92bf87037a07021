import type { RouteDef } from '../route';

export const adminRoutes: RouteDef[] = [];
