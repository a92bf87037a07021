/** STUB — replaced by the analytics/metadata upload implementation. */
import type { ZulipServerContext } from './context';
import type { UploadServerDataResult } from './bouncer-client/analytics-upload';

export const ANALYTICS_INTERVAL_MS = 60 * 60 * 1000;

/** send_server_data_to_push_bouncer, applying the answer to the server's realms. */
export async function sendServerDataToPushBouncer(
  _ctx: ZulipServerContext,
  _opts: { considerUsageStatistics: boolean; raiseOnError?: boolean },
): Promise<UploadServerDataResult> {
  throw new Error('not implemented');
}

/** The hourly analytics job on the server's clock. */
export function startAnalyticsJob(_ctx: ZulipServerContext, _opts: { intervalMs?: number } = {}): { stop(): void } {
  return { stop() {} };
}
