/**
 * Zulip's access log line (zerver/middleware.py write_log_line; §12):
 *
 *   <ip:<15> <METHOD:<7> <status:3> <timing:>5> <path>[ <extra>] (<requestor> via <client>)
 *
 * e.g. `127.0.0.1       POST    200  21ms /api/v1/remotes/push/notify [can_push=True/No plan few users] (zulip-server:6cde… via ZulipServer)`.
 * The spec lists `<extra>` before the path; Zulip's source puts it after the path, and we follow
 * the source. For 4xx responses other than 401/404/405 Zulip also logs the response body
 * (never the request body): `status=400, data=b'…', uid=<requestor>`.
 */
import { pythonBytesRepr } from './python-repr';

export interface AccessLogEntry {
  ip: string;
  method: string;
  status: number;
  seconds: number;
  path: string;
  extra?: string;
  requestor: string;
  client: string;
}

/** zerver/lib/utils format_timedelta: "1.2s" from a second up, else whole milliseconds. */
export function formatTimedelta(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(1)}s` : `${Math.round(seconds * 1000)}ms`;
}

export function accessLogLine(e: AccessLogEntry): string {
  const extra = e.extra ? ` ${e.extra}` : '';
  return (
    `${e.ip.padEnd(15)} ${e.method.padEnd(7)} ${String(e.status).padStart(3)} ` +
    `${formatTimedelta(e.seconds).padStart(5)} ${e.path}${extra} (${e.requestor} via ${e.client})`
  );
}

/** The second line for client errors, or null when Zulip writes none. */
export function errorResponseLogLine(status: number, body: Buffer, requestor: string): string | null {
  if (status < 400 || status >= 500 || [401, 404, 405].includes(status)) return null;
  const data = body.length > 200 ? '[content more than 200 characters]' : pythonBytesRepr(body);
  return `status=${status}, data=${data}, uid=${requestor}`;
}

/** zerver/lib/user_agent.py parse_user_agent: the client name is the product token. */
export function clientName(userAgent: string | undefined): string {
  if (!userAgent) return 'Unspecified';
  const m = /^(?<name>[^/ ]*[^0-9/(]*)(\/(?<version>[^/ ]*))?([ /].*)?$/.exec(userAgent);
  const name = m?.groups?.name?.trim();
  return name ? name : 'Unspecified';
}
