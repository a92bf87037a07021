import type { RouteDef } from '../route';

export const verifyRoutes: RouteDef[] = [];
