/**
 * What a terminal fault rule does instead of APNs (core/provider-mock/faults.ts): answer with a
 * documented error, reset the stream, send GOAWAY, or never answer. Latency rules are applied
 * before this, by the push handler.
 */
import http2, { type ServerHttp2Stream } from 'node:http2';
import type { Clock } from '../core/clock';
import type { DeviceRegistry } from '../core/provider-mock/devices';
import type { FaultDecision } from '../core/provider-mock/faults';
import { NO_ANSWER, type Recorder, type RequestFacts } from './record';
import { APNS_REASONS, carriesTimestamp, isApnsReason, rejectionBody, takesRetryAfter, type ApnsRejection } from './reasons';
import { respond } from './respond';

/** APNs ends a connection with GOAWAY whose data is JSON with a reason (Apple, "Handling error responses"). */
const GOAWAY_DATA = Buffer.from(JSON.stringify({ reason: 'Shutdown' }));

export function applyFault(
  stream: ServerHttp2Stream,
  e: RequestFacts,
  decision: FaultDecision,
  deps: { devices: DeviceRegistry; clock: Clock; recorder: Recorder },
): void {
  const { action } = decision.terminal!;
  const meta = { ...e.meta, fault: action.kind };
  switch (action.kind) {
    case 'error': {
      // checkFaultReason let only Apple's reasons in; the status defaults to the documented one.
      const reason = isApnsReason(action.reason) ? action.reason : 'InternalServerError';
      const status = action.status ?? APNS_REASONS[reason];
      // A 410 says since when: the device's unregistration if it has one, else now.
      const timestamp = carriesTimestamp(reason) ? (deps.devices.get(e.device ?? '')?.unregisteredAt ?? deps.clock.now()) : undefined;
      const rejection: ApnsRejection = timestamp === undefined ? { status, reason } : { status, reason, timestamp };
      respond(stream, e.apnsId, { status, rejection, retryAfter: takesRetryAfter(status) ? action.retryAfterSeconds : undefined });
      return deps.recorder.record(e, { accepted: false, status, reason, responseBody: rejectionBody(rejection) }, decision, meta);
    }
    case 'reset':
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return deps.recorder.record(e, { ...NO_ANSWER }, decision, meta);
    case 'goaway': {
      // This stream and any later ones are refused (never processed), so a client may safely
      // retry them on a new connection.
      const session = stream.session;
      session?.goaway(http2.constants.NGHTTP2_NO_ERROR, Math.max(0, (stream.id ?? 0) - 2), GOAWAY_DATA);
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      session?.close();
      return deps.recorder.record(e, { ...NO_ANSWER }, decision, meta);
    }
    case 'timeout':
      // Never answered: the stream stays open until the client gives up or the mock stops.
      return deps.recorder.record(e, { ...NO_ANSWER }, decision, meta);
  }
}
