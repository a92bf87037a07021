/**
 * How the bouncer reaches `https://<hostname>/api/v1/zulip-services/verify/<token>/` during a
 * registration transfer (§3.3). Pluggable so tests and the harness decide where a hostname
 * points and which CA is trusted; the bouncer never uses real DNS.
 */
export interface HostResponse {
  status: number;
  body: Buffer;
}

export interface TransferHostClient {
  /** GET `url` (whose host is `hostname`); rejects with a classified HostRequestError. */
  get(url: string): Promise<HostResponse>;
}

export type HostErrorKind = 'ssl' | 'connection' | 'timeout' | 'other';

export class HostRequestError extends Error {
  constructor(
    readonly kind: HostErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'HostRequestError';
  }
}
