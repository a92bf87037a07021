/**
 * One push request, start to finish: fault rules, the checks of validate.ts around the provider
 * token, the answer, one journal entry and one log line. Every request — answered, refused,
 * reset or left hanging — leaves exactly one journal entry and one log line.
 *
 * (Answers: respond.ts; journal and log: record.ts; fault actions: fault-actions.ts.)
 *
 * Order for each HTTP/2 stream:
 *   1. the fault rules decide, synchronously on arrival, so seeded shares replay in stream order;
 *   2. the body is read;
 *   3. latency rules wait (real ms);
 *   4. a terminal rule answers instead of APNs, or the request is checked and answered.
 * Steps 2–4 stay synchronous unless there is latency to add or a new provider token to verify:
 * this path runs for every push of a load test.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logging';
import type { DeviceRegistry } from '../core/provider-mock/devices';
import type { FaultDecision, FaultRules } from '../core/provider-mock/faults';
import type { Journal, JournalOutcome } from '../core/provider-mock/journal';
import type { TokenHexLength } from './device-tokens';
import type { KeyRing } from './keys';
import { bearerToken, checkProviderToken, type ConnectionTokenState, type TokenCheck } from './provider-token';
import { applyFault } from './fault-actions';
import { NO_ANSWER, Recorder, type RequestFacts } from './record';
import { reject, rejectionBody } from './reasons';
import { refuse, respond, type Answer } from './respond';
import { checkPayload, checkRecipient, checkRequest, deviceOfPath, header, isCanonicalUuid, type PushHeaders } from './validate';

export type ApnsEnvironment = 'production' | 'development';

/** What the mock knows about one client connection. */
export interface ApnsConnection {
  id: number;
  tokens: ConnectionTokenState;
}

export interface PushHandlerContext {
  clock: Clock;
  journal: Journal;
  rules: FaultRules;
  devices: DeviceRegistry;
  keys: KeyRing;
  topics: ReadonlySet<string>;
  environment: ApnsEnvironment;
  tokenHexLength: TokenHexLength;
  /** One INFO line per request; never the payload, never the JWT. */
  log: Logger;
  /** Every provider token seen goes here, so no log line can carry one. */
  redactSecret: (secret: string) => void;
}

/** A body larger than this is counted but not kept (APNs' own limit is 5 KiB). */
const MAX_BODY_KEPT = 1024 * 1024;

export class PushHandler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly recorder: Recorder;

  constructor(private readonly ctx: PushHandlerContext) {
    this.recorder = new Recorder(ctx.journal, ctx.log);
  }

  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[], conn: ApnsConnection): void {
    // A client may cancel or reset its stream at any time; that is not the server's error.
    stream.on('error', ignore);
    const path = header(headers, ':path') ?? '';
    const device = deviceOfPath(path);
    const scope = header(headers, 'apns-topic') ?? null;
    const decision = this.ctx.rules.decide({ device, scope });

    readStreamBody(stream, (body) => {
      // Echo a well-formed apns-id; otherwise (absent, or refused as BadMessageId) make one, as APNs does.
      const sentId = header(headers, 'apns-id');
      const e: RequestFacts = {
        method: header(headers, ':method') ?? '',
        path,
        headers,
        rawHeaders,
        body: body ?? Buffer.alloc(0),
        device,
        scope,
        apnsId: sentId !== undefined && isCanonicalUuid(sentId) ? sentId : crypto.randomUUID(),
        meta: { httpVersion: '2.0', connectionId: conn.id, clientStreamId: stream.id },
      };
      if (body === null) return this.cancelled(e, decision);
      if (decision.latencyMs > 0) this.wait(decision.latencyMs).then(() => this.answer(stream, e, decision, conn));
      else this.answer(stream, e, decision, conn);
    });
  }

  private answer(stream: ServerHttp2Stream, e: RequestFacts, decision: FaultDecision, conn: ApnsConnection): void {
    if (stream.closed || stream.destroyed) return this.cancelled(e, decision);
    if (decision.terminal) return applyFault(stream, e, decision, { devices: this.ctx.devices, clock: this.ctx.clock, recorder: this.recorder });
    try {
      const answer = this.check(e, conn);
      if (answer instanceof Promise) answer.then((a) => this.finish(stream, e, decision, a), (err: unknown) => this.failed(stream, e, decision, err));
      else this.finish(stream, e, decision, answer);
    } catch (err) {
      this.failed(stream, e, decision, err);
    }
  }

  private finish(stream: ServerHttp2Stream, e: RequestFacts, decision: FaultDecision, a: Answer): void {
    respond(stream, e.apnsId, a);
    const outcome: JournalOutcome = { accepted: a.status === 200, status: a.status, reason: a.rejection?.reason ?? null, responseBody: a.rejection ? rejectionBody(a.rejection) : '' };
    const meta = a.meta ?? e.meta;
    if (a.rejection?.detail !== undefined) meta.detail = a.rejection.detail;
    this.recorder.record(e, outcome, decision, meta, a.notification);
  }

  /** A bug in the mock must still answer the client, as APNs would, and say so in the log. */
  private failed(stream: ServerHttp2Stream, e: RequestFacts, decision: FaultDecision, err: unknown): void {
    this.ctx.log.error({ err }, 'APNs mock: internal error while handling a push');
    this.finish(stream, e, decision, refuse(reject('InternalServerError')));
  }

  /** Validation steps 1–14 (validate.ts), the provider token at step 13. */
  private check(e: RequestFacts, conn: ApnsConnection): Answer | Promise<Answer> {
    const request = checkRequest(e, this.ctx.tokenHexLength);
    if (!request.ok) return refuse(request.rejection);
    const push = request.value;
    const recipient = checkRecipient(push, this.ctx.topics, this.ctx.devices);
    if (recipient) return refuse(recipient);

    const jwt = bearerToken(header(e.headers, 'authorization'));
    if (jwt !== null && jwt !== conn.tokens.token) this.ctx.redactSecret(jwt);
    const auth = checkProviderToken(jwt, conn.tokens, this.ctx.keys, this.ctx.clock);
    return auth instanceof Promise ? auth.then((a) => this.afterAuth(e, push, a)) : this.afterAuth(e, push, auth);
  }

  /**
   * Steps 13–14 and the success answer. (Objects here are built as literals, not spreads: on this
   * path a spread with extra properties cost more than all the checks together.)
   */
  private afterAuth(e: RequestFacts, push: PushHeaders, auth: TokenCheck): Answer {
    const teamId = auth.teamId ?? null;
    const keyId = auth.keyId ?? null;
    const tokenIat = auth.iat ?? null;
    const { httpVersion, connectionId, clientStreamId } = e.meta;
    if (!auth.ok) return refuse(auth.rejection, { httpVersion, connectionId, clientStreamId, teamId, keyId, tokenIat });
    const payload = checkPayload(e.body, push.pushType);
    if (!payload.ok) return refuse(payload.rejection, { httpVersion, connectionId, clientStreamId, teamId, keyId, tokenIat });

    // apns-unique-id exists for the Push Notifications Console's delivery log: development only.
    const apnsUniqueId = this.ctx.environment === 'development' ? crypto.randomUUID() : undefined;
    const meta: Record<string, unknown> = {
      httpVersion,
      connectionId,
      clientStreamId,
      teamId,
      keyId,
      tokenIat,
      pushType: push.pushType,
      priority: push.priority,
      expiration: push.expiration,
      collapseId: push.collapseId,
      apnsUniqueId,
    };
    if (!payload.value.hasAps) meta.apsMissing = true;
    return { status: 200, uniqueId: apnsUniqueId, notification: payload.value.notification, meta };
  }

  /** The client gave up (cancelled, timed out, reset) before the mock answered. */
  private cancelled(e: RequestFacts, decision: FaultDecision): void {
    e.meta.clientCancelled = true;
    this.recorder.record(e, { ...NO_ANSWER }, decision, e.meta);
  }

  /** HTTP/1.1 to the push path: APNs is HTTP/2 only, so the server says so instead of guessing. */
  recordHttp1(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer, status: number, responseBody: string): void {
    this.recorder.recordHttp1(method, path, headers, body, status, responseBody);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Drops pending latency waits: the mock is stopping and their streams are being destroyed. */
  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

const ignore = () => undefined;

/** Calls `done` with the body, or with null when the stream closed before it ended (the client cancelled). */
function readStreamBody(stream: ServerHttp2Stream, done: (body: Buffer | null) => void): void {
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let kept = 0;
  let settled = false;
  stream.on('data', (chunk: Buffer) => {
    if (kept + chunk.length > MAX_BODY_KEPT) return;
    kept += chunk.length;
    if (first === null) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  stream.on('end', () => {
    if (settled) return;
    settled = true;
    done(more ? Buffer.concat(more) : (first ?? Buffer.alloc(0)));
  });
  stream.on('close', () => {
    if (settled) return;
    settled = true;
    done(null);
  });
}

