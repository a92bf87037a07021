/** What Google's JSON parser refuses: 400 INVALID_ARGUMENT with a BadRequest detail and no FcmError. */
import { accessToken, send, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let token: string;
let phone: string;

beforeAll(async () => {
  fcm = await startTestFcm();
  token = await accessToken(fcm);
  phone = fcm.createDevice().token;
});
afterAll(() => fcm.stop());

const badRequest = (...violations: { field?: string; description: string }[]) => ({
  error: {
    code: 400,
    message: violations.map((v) => v.description).join('\n'),
    status: 'INVALID_ARGUMENT',
    details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }],
  },
});

it('should refuse a data value that is not a string, exactly as the FCM error-codes page shows', async () => {
  const res = await send(fcm, { token: phone, data: { a: 'ok', count: 12 } }, { token });
  expect(res.status).toBe(400);
  expect(res.json).toEqual(
    badRequest({ field: 'message.data[1].value', description: "Invalid value at 'message.data[1].value' (TYPE_STRING), 12" }),
  );
});

it('should refuse an unknown field with "Cannot find field", naming where it was', async () => {
  // The exact answer captured in healthjoy/async-firebase#23.
  const res = await send(fcm, { token: phone, tokens: [phone] }, { token });
  expect(res.json).toEqual(
    badRequest({ field: 'message', description: `Invalid JSON payload received. Unknown name "tokens" at 'message': Cannot find field.` }),
  );
  const nested = await send(fcm, { token: phone, notification: { title: 't', clickAction: 'x' } }, { token });
  expect(nested.json).toEqual(
    badRequest({ field: 'message.notification', description: `Invalid JSON payload received. Unknown name "clickAction" at 'message.notification': Cannot find field.` }),
  );
});

it('should refuse a list where a message belongs', async () => {
  const res = await send(fcm, { token: phone, notification: [{ title: 't' }] }, { token });
  expect(res.json).toEqual(
    badRequest({ field: 'message', description: `Invalid JSON payload received. Unknown name "notification" at 'message': Proto field is not repeating, cannot start list.` }),
  );
});

it('should report every unknown top-level name of a legacy-API body, one violation each', async () => {
  const res = await send(fcm, undefined, { token, body: { to: phone, priority: 'high', data: { a: 'b' } } });
  const names = ['to', 'priority', 'data'].map((n) => ({ description: `Invalid JSON payload received. Unknown name "${n}": Cannot find field.` }));
  expect(res.json).toEqual(badRequest(...names));
});

it('should refuse a second target of the oneof', async () => {
  const res = await send(fcm, { token: phone, topic: 'news' }, { token });
  expect(res.json).toEqual(
    badRequest({ field: 'message', description: "Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set 'topic'" }),
  );
});

it('should refuse an android.priority that is not NORMAL or HIGH', async () => {
  const res = await send(fcm, { token: phone, android: { priority: 'urgent' } }, { token });
  expect(res.json).toEqual(
    badRequest({
      field: 'message.android.priority',
      description: `Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidConfig.AndroidMessagePriority), "urgent"`,
    }),
  );
});

it('should refuse a TTL that is not a protobuf Duration', async () => {
  const noUnit = await send(fcm, { token: phone, android: { ttl: '10m' } }, { token });
  expect(noUnit.json).toEqual(
    badRequest({
      field: 'message.android.ttl',
      description: "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), Field 'ttl', Illegal duration format; duration must end with 's'",
    }),
  );
  const number = await send(fcm, { token: phone, android: { ttl: 60 } }, { token });
  expect(number.json.error.message).toBe("Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), 60");
});

it('should refuse a body that is not JSON', async () => {
  const res = await send(fcm, undefined, { token, body: '{"message": ' });
  expect(res.json).toEqual(badRequest({ description: 'Invalid JSON payload received. Unexpected token.' }));
});

it('should accept camelCase and snake_case spellings of the same field', async () => {
  const camel = await send(fcm, { token: phone, android: { collapseKey: 'c', directBootOk: true } }, { token });
  const snake = await send(fcm, { token: phone, android: { collapse_key: 'c', direct_boot_ok: true } }, { token });
  expect([camel.status, snake.status]).toEqual([200, 200]);
});
