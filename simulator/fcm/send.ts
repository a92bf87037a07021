/**
 * `POST /v1/projects/<project>/messages:send` (providers.md §A2). Order of checks, each a
 * different answer:
 *  1. the bearer token (401 / 403, no FcmError)                         access-tokens.ts
 *  2. the body: parsing (400 BadRequest), then FCM's rules (400 FcmError) message.ts
 *  3. fault rules (scope = project, device = registration token): latency, then at most one
 *     error / reset / goaway / timeout — so faults only ever hit well-formed, authorised requests
 *  4. the registry: unknown token → 400 INVALID_ARGUMENT, another project's → 403
 *     SENDER_ID_MISMATCH, unregistered → 404 UNREGISTERED
 *  5. accept: `{"name": "projects/<p>/messages/<id>"}` (`.../fake_message_id` for validate_only,
 *     which is journaled as accepted but delivers nothing: no `notification`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { authorizeSend } from './access-tokens';
import type { FcmContext } from './context';
import { fcmError, RpcError, type FcmErrorCode } from './errors';
import { INVALID_TOKEN_MESSAGE, parseSendRequest, toDelivery, type SendRequest, type Target } from './message';
import { JSON_HEADERS, type Outcome, type RawRequest } from './outcome';

export const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

export async function sendRoute(ctx: FcmContext, project: string, req: RawRequest): Promise<Outcome> {
  const meta: Record<string, unknown> = {
    endpoint: 'messages:send',
    httpVersion: req.httpVersion,
    client: req.headers['x-firebase-client'] ?? null,
    apiClient: req.headers['x-goog-api-client'] ?? null,
  };
  let device = peekToken(req.body);
  let faultRuleId: string | undefined;
  let addedLatencyMs: number | undefined;
  const common = () => ({ scope: project, meta, faultRuleId, addedLatencyMs });
  try {
    const auth = authorizeSend(req.headers.authorization, project, ctx.tokens, ctx.clock.now());
    meta.clientEmail = auth.clientEmail;
    const parsed = parseSendRequest(req.body);
    device = parsed.target.kind === 'token' ? parsed.target.token : null;
    if (parsed.target.kind !== 'token') meta.target = parsed.target;

    const decision = ctx.rules.decide({ device, scope: project });
    if (decision.firedRuleIds.length > 0) meta.firedRules = decision.firedRuleIds;
    if (decision.latencyMs > 0) {
      addedLatencyMs = decision.latencyMs;
      // Real milliseconds: latency is about the client's timers, not the simulated clock.
      await sleep(decision.latencyMs);
    }
    const terminal = decision.terminal;
    if (terminal) {
      faultRuleId = terminal.rule.id;
      const { action } = terminal;
      if (action.kind !== 'error') {
        return {
          kind: 'drop',
          action: action.kind,
          device,
          id: null,
          accepted: false,
          reason: null,
          ...common(),
          log: { msg: `messages:send ${action.kind} (fault rule ${faultRuleId})`, fields: logFields(project, device, req, { fault: action.kind, faultRuleId }) },
        };
      }
      throw fcmError(action.reason as FcmErrorCode, { httpStatus: action.status, retryAfterSeconds: action.retryAfterSeconds });
    }

    checkRegistry(ctx, parsed.target, project);
    return accept(ctx, project, parsed, req, { device, ...common() });
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    return {
      kind: 'reply',
      status: e.httpStatus,
      headers: { ...JSON_HEADERS, ...e.headers },
      body: JSON.stringify(e.toJSON()),
      device,
      id: null,
      accepted: false,
      reason: e.reason,
      ...common(),
      log: {
        msg: `messages:send ${e.httpStatus} ${e.reason}`,
        fields: logFields(project, device, req, { status: e.httpStatus, errorCode: e.reason, faultRuleId }),
      },
    };
  }
}

function checkRegistry(ctx: FcmContext, target: Target, project: string): void {
  if (target.kind !== 'token') return;
  const d = ctx.devices.get(target.token);
  if (!d) throw fcmError('INVALID_ARGUMENT', { message: INVALID_TOKEN_MESSAGE });
  if (d.scope !== project) throw fcmError('SENDER_ID_MISMATCH');
  if (d.state === 'unregistered') throw fcmError('UNREGISTERED');
}

function accept(
  ctx: FcmContext,
  project: string,
  parsed: SendRequest,
  req: RawRequest,
  base: { device: string | null; scope: string; meta: Record<string, unknown>; faultRuleId?: string; addedLatencyMs?: number },
): Outcome {
  const messageId = parsed.validateOnly ? 'fake_message_id' : ctx.ids.messageId(ctx.clock.now());
  const delivery = toDelivery(parsed, project, messageId);
  if (parsed.validateOnly) base.meta.validateOnly = true;
  return {
    kind: 'reply',
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({ name: delivery.name }),
    id: delivery.name,
    accepted: true,
    reason: null,
    notification: parsed.validateOnly ? undefined : delivery,
    ...base,
    log: {
      msg: `messages:send 200 ${delivery.name}`,
      fields: logFields(project, base.device, req, { status: 200, messageName: delivery.name, validateOnly: parsed.validateOnly || undefined }),
    },
  };
}

function logFields(project: string, token: string | null, req: RawRequest, extra: Record<string, unknown>): Record<string, unknown> {
  return { endpoint: 'messages:send', project, token, httpVersion: req.httpVersion, client: req.headers['x-firebase-client'] ?? null, ...extra };
}

/** The target token of a body that may never parse, so even refused requests are filed per device. */
function peekToken(body: string): string | null {
  try {
    const token = (JSON.parse(body) as { message?: { token?: unknown } })?.message?.token;
    return typeof token === 'string' ? token : null;
  } catch {
    return null;
  }
}
