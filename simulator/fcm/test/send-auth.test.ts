/** The bearer token on messages:send: 401 and 403 as Google's front end answers them, never an FcmError. */
import { accessToken, send, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let phone: string;

beforeAll(async () => {
  fcm = await startTestFcm();
  phone = fcm.createDevice().token;
});
afterAll(() => fcm.stop());

const HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

it('should answer a request without credentials with 401 UNAUTHENTICATED and no details', async () => {
  const res = await send(fcm, { token: phone }, { token: '', authorization: '' });
  expect(res.status).toBe(401);
  expect(res.json).toEqual({ error: { code: 401, message: `Request is missing required authentication credential. ${HINT}`, status: 'UNAUTHENTICATED' } });
  expect(res.headers['www-authenticate']).toBe('Bearer realm="https://accounts.google.com/"');
});

it('should answer an access token it never minted with 401', async () => {
  const res = await send(fcm, { token: phone }, { token: 'ya29.made-up' });
  expect(res.json).toEqual({ error: { code: 401, message: `Request had invalid authentication credentials. ${HINT}`, status: 'UNAUTHENTICATED' } });
});

it('should let an access token expire after 3599 seconds of the injected clock', async () => {
  const token = await accessToken(fcm);
  fcm.clock.advance(3598_000);
  expect((await send(fcm, { token: phone }, { token })).status).toBe(200);
  fcm.clock.advance(1_000);
  const res = await send(fcm, { token: phone }, { token });
  expect(res.status).toBe(401);
  expect(res.json.error.status).toBe('UNAUTHENTICATED');
});

it('should refuse a token of another project with 403 PERMISSION_DENIED', async () => {
  const other = await fcm.addProject('other-project-1');
  const token = await accessToken(fcm, { file: other.serviceAccountFile });
  const res = await send(fcm, { token: phone }, { token });
  expect(res.status).toBe(403);
  expect(res.json).toEqual({
    error: {
      code: 403,
      message: `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${fcm.projectId}' (or it may not exist).`,
      status: 'PERMISSION_DENIED',
    },
  });
});

it('should grant a token without an FCM scope, then refuse its sends with 403', async () => {
  const token = await accessToken(fcm, { scope: 'https://www.googleapis.com/auth/userinfo.email' });
  const res = await send(fcm, { token: phone }, { token });
  expect(res.json).toEqual({ error: { code: 403, message: 'Request had insufficient authentication scopes.', status: 'PERMISSION_DENIED' } });
});

it('should accept the cloud-platform scope', async () => {
  const token = await accessToken(fcm, { scope: 'https://www.googleapis.com/auth/cloud-platform' });
  expect((await send(fcm, { token: phone }, { token })).status).toBe(200);
});

it('should journal a refused send under its device with the reason and a redacted authorization', async () => {
  await send(fcm, { token: phone }, { token: 'ya29.secret-looking-value' });
  const entry = fcm.journal.list({ device: phone }).at(-1)!;
  expect(entry.outcome).toMatchObject({ accepted: false, status: 401, reason: 'UNAUTHENTICATED' });
  expect(entry.request.headers.authorization).toBe('Bearer [REDACTED]');
  expect(fcm.journal.dump()).not.toContain('secret-looking-value');
});
