/** checkRequest on its own, for what node's HTTP/2 client refuses to send (a repeated authorization). */
import { DEFAULT_TOKEN_HEX_LENGTH } from '../device-tokens';
import { checkRequest } from '../validate';

const token = 'ab'.repeat(32);

function request(rawHeaders: string[]) {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    headers[name] = headers[name] === undefined ? rawHeaders[i + 1]! : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  return { method: 'POST', path: `/3/device/${token}`, headers, rawHeaders };
}

it('should refuse a repeated authorization header with DuplicateHeaders', () => {
  const result = checkRequest(request(['apns-topic', 'org.zulip.Zulip', 'authorization', 'bearer a', 'authorization', 'bearer b']), DEFAULT_TOKEN_HEX_LENGTH);
  expect(result).toEqual({ ok: false, rejection: { status: 400, reason: 'DuplicateHeaders', detail: 'authorization appears more than once' } });
});

it('should not mind repeated headers APNs does not read', () => {
  const result = checkRequest(request(['apns-topic', 'org.zulip.Zulip', 'x-trace', '1', 'x-trace', '2']), DEFAULT_TOKEN_HEX_LENGTH);
  expect(result.ok).toBe(true);
});

it('should read the push type a topic suffix implies', () => {
  const result = checkRequest(request(['apns-topic', 'org.zulip.Zulip.push-type.liveactivity']), DEFAULT_TOKEN_HEX_LENGTH);
  expect(result).toMatchObject({ ok: true, value: { pushType: 'liveactivity', bundleId: 'org.zulip.Zulip', priority: 10 } });
});
