/** How a fake-server endpoint is declared: a path (fastify syntax), its methods, and who may call it. */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestParams } from '../../bouncer/http/params';
import type { ZulipServerContext } from '../context';
import type { User } from '../types';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ZulipRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Form and query parameters, typed_endpoint style (Zulip's own transport rules). */
  params: RequestParams;
  /** `:name` segments of the route's path. */
  pathParams: Record<string, string>;
  /** The raw request body (the admin surface reads JSON from it). */
  body?: Buffer;
  /** The peer's address (the admin surface answers loopback callers only). */
  ip?: string;
  /** The authenticated user (routes with auth 'user' / 'human'). */
  user?: User;
}

export type AuthedRequest = ZulipRequest & { user: User };

export type Handler<R extends ZulipRequest = ZulipRequest> = (
  req: R,
  ctx: ZulipServerContext,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

export type RouteDef =
  /** 'human': @human_users_only — bots get 400 "This endpoint does not accept bot requests.". */
  | { path: string; auth: 'user' | 'human'; methods: Partial<Record<Method, Handler<AuthedRequest>>> }
  | { path: string; auth: 'none'; methods: Partial<Record<Method, Handler>> };
