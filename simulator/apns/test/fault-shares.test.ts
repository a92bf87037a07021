/** A rule for a share of traffic draws from the seeded generator: the same seed picks the same requests. */
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns } from './support';

async function failedIndexes(seed: number): Promise<number[]> {
  await using apns = await startTestApns({ seed });
  const phone = apns.createDevice('org.zulip.Zulip');
  apns.rules.add({ match: { share: 0.5 }, action: { kind: 'error', reason: 'ServiceUnavailable' } });
  const client: ApnsTestClient = await connectWithToken(apns);
  const failed: number[] = [];
  // One at a time: shares are drawn in arrival order.
  for (let i = 0; i < 20; i++) if ((await client.push({ token: phone.token })).status === 503) failed.push(i);
  await client.close();
  return failed;
}

it('should fail the same requests in two runs with the same seed', async () => {
  const first = await failedIndexes(7);
  const second = await failedIndexes(7);
  expect(second).toEqual(first);
  expect(first.length).toBeGreaterThan(0);
  expect(first.length).toBeLessThan(20);
});
