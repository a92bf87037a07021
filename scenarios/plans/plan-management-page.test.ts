/**
 * An admin with an 11-person organisation finds push notifications off, logs in to the plan
 * management site (/serverlogin/, the seed's "Plan management for an entire Zulip server") in a
 * real Chromium with the server's zulip_org_id and zulip_org_key, moves the organisation to the
 * Community plan, and after the server's next metadata upload a DM reaches a phone.
 *
 * No skipping: without a Chromium the test fails with harness/browser.ts's BROWSER_HELP.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../harness/browser';
import { startWorld, type World } from '../../harness/world';
import type { BouncerCredentials } from '../../simulator/zulip-server/bouncer-client/wire';
import { SecretsFile } from '../../simulator/zulip-server/secrets-file';

const SCREENSHOT = path.resolve(__dirname, '../../reports/screenshots/plan-management.png');

let world: World;
let browser: Browser | undefined;
let page: Page;
let credentials: BouncerCredentials;
const consoleErrors: string[] = [];

beforeAll(async () => {
  world = await startWorld({ profile: 11, zulip: { realms: [{ roles: { owner: 1, administrator: 1, moderator: 1, guest: 1, member: 7 } }] } });
  await world.registerServer();
  const creds = new SecretsFile(world.stack.zulip.secretsFile).credentials();
  if (!creds) throw new Error('register_server left no zulip_org_id / zulip_org_key in zulip-secrets.conf');
  credentials = creds;
  browser = await launchBrowser();
  page = await browser.newPage();
  // Every wait fails with Playwright's explanation well before Jest's own timeout.
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
});
afterAll(async () => {
  await browser?.close();
  await world.stop();
});

const rowOf = () => page.locator(`#realm-${world.realm().uuid}`);
const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function logIn(key: string) {
  await page.getByLabel('zulip_org_id').fill(credentials.zulipOrgId);
  await page.getByLabel('zulip_org_key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
}

it('should start with 11 humans and push notifications off', () => {
  expect(world.humans()).toHaveLength(11);
  expect(world.realm().pushNotificationsEnabled).toBe(false);
});

it('should refuse a wrong zulip_org_key with a clear error, and not echo it', async () => {
  await page.goto(`${world.stack.bouncer.url}/serverlogin/`);
  expect(await page.title()).toBe('Log in to plan management');
  expect(await page.getByLabel('zulip_org_key').getAttribute('type')).toBe('password');

  const wrongKey = 'W'.repeat(64);
  await logIn(wrongKey);
  await page.locator('#login-error').waitFor();
  expect(await text('#login-error')).toBe('Invalid zulip_org_id or zulip_org_key.');
  expect(new URL(page.url()).pathname).toBe('/serverlogin/');
  expect(await page.getByLabel('zulip_org_key').inputValue()).toBe('');
  expect(await page.content()).not.toContain(wrongKey);
  expect((await page.context().cookies()).map((c) => c.name)).toEqual([]);
});

it('should log in and show the organisation: 11 users, push notifications disabled', async () => {
  await logIn(credentials.zulipOrgKey);
  await page.waitForURL('**/serverlogin/plans/');
  const realm = world.realm();
  expect(await text('#server-uuid')).toBe(credentials.zulipOrgId);
  expect(await text('#server h2')).toBe(`Server ${world.stack.zulip.externalHost}`);
  expect(await rowOf().locator('.realm-name').textContent()).toBe(realm.name);
  expect(await rowOf().locator('.realm-host').textContent()).toBe(realm.host);
  expect(await rowOf().locator('.users').textContent()).toBe('11');
  expect(await rowOf().locator('.plan').textContent()).toBe('Self-managed (no plan)');
  expect(await rowOf().locator('.push .off').textContent()).toBe('Disabled');

  // The session cookie is out of scripts' reach and never sent cross-site.
  const [cookie] = await page.context().cookies();
  expect(cookie).toMatchObject({ name: 'zpg_serverlogin', httpOnly: true, sameSite: 'Strict', path: '/' });
  // The inline stylesheet applies under the CSP, and nothing was blocked.
  expect(await page.evaluate<string>("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe('rgb(44, 62, 80)');
  expect(consoleErrors).toEqual([]);
  expect(await page.content()).not.toContain(credentials.zulipOrgKey);
});

it('should switch the organisation to the Community plan, and show pushes enabled', async () => {
  const realm = world.realm();
  await page.getByLabel(`Plan for ${realm.name}`).selectOption({ label: 'Community (sponsored)' });
  await rowOf().getByRole('button', { name: 'Change plan' }).click();
  await page.locator('#notice').waitFor();
  expect(await text('#notice')).toBe(`${realm.name} is on Community (sponsored).`);
  expect(await rowOf().locator('.plan').textContent()).toBe('Community (sponsored)');
  expect(await rowOf().locator('.push .on').textContent()).toBe('Enabled');
  expect(await rowOf().locator('.push-reason').textContent()).toBe('Community plan');

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(1000);
  expect(consoleErrors).toEqual([]);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/serverlogin/');
  expect(await page.getByLabel('zulip_org_id').isVisible()).toBe(true);
  expect(await page.context().cookies()).toEqual([]);
});

it("should turn the realm's push notifications on at the next upload, and deliver a DM", async () => {
  // The server hears about the plan from the bouncer's analytics answer (can_push per realm).
  await world.stack.zulip.uploadServerData();
  expect(world.realm().pushNotificationsEnabled).toBe(true);

  const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
  const phone = await world.phone(hamlet, 'ios');
  const m = await world.send(othello, { to: [hamlet] });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', title: othello.fullName, body: m.content });
});
