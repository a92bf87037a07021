/** How a bouncer endpoint is declared: a path, its methods, and whether servers authenticate. */
import type { IncomingHttpHeaders } from 'node:http';
import type { BouncerContext } from '../context';
import type { RemoteServer } from '../store/servers';
import type { RequestParams } from './params';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface BouncerRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Form and query parameters, typed_endpoint style. */
  params: RequestParams;
  /** The raw body, for JSON-body endpoints. */
  body: Buffer;
  /** Set on authenticated routes. */
  server?: RemoteServer;
  /** Sets the tag appended to this request's access-log line, e.g. `[can_push=True/...]`. */
  setLogExtra(extra: string): void;
}

export type Handler<R extends BouncerRequest = BouncerRequest> = (
  req: R,
  ctx: BouncerContext,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

export type AuthedRequest = BouncerRequest & { server: RemoteServer };

export type RouteDef =
  | {
      path: string;
      auth: 'remote-server';
      methods: Partial<Record<Method, Handler<AuthedRequest>>>;
    }
  | {
      path: string;
      auth: 'none';
      /** 'any' = no method restriction (verify_challenge); otherwise require_post-style. */
      methods: Partial<Record<Method, Handler>> | { any: Handler };
    };

/** Form endpoints report unread parameters on success (§1.3); JSON-body ones carry none. */
export const IGNORED_PARAMETERS_KEY = 'ignored_parameters_unsupported';
