/**
 * The plan-management pages, rendered on the server: no scripts, no external assets, one small
 * inline stylesheet (allowed by the pages' CSP through style-src 'unsafe-inline').
 * Every value goes through `html`, which escapes it.
 */
import { SafeHtml, html } from './html';
import { PLAN_TYPE_LABEL, SELF_SERVICE_PLAN_TYPES, isSelfServicePlanType, planTypeLabel, tierLabel, type RealmSummary, type ServerSummary } from './plans';

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d1f23}
header{background:#2c3e50;color:#fff;padding:12px 24px;display:flex;align-items:center;justify-content:space-between}
header h1{font-size:18px;margin:0}
main{max-width:980px;margin:24px auto;padding:0 24px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 20px;margin-bottom:20px}
h2{font-size:17px;margin:0 0 12px}
label{display:block;margin:10px 0 4px;font-weight:600}
input[type=text],input[type=password]{width:100%;max-width:420px;padding:7px 9px;border:1px solid #b8bec6;border-radius:4px;font:inherit}
button{padding:6px 14px;border:1px solid #2c6db3;background:#2f80d1;color:#fff;border-radius:4px;font:inherit;cursor:pointer}
button.link{background:none;border-color:#fff;color:#fff}
select{padding:5px;font:inherit}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:8px 6px;border-bottom:1px solid #eceef1;vertical-align:top}
th{font-size:13px;color:#5a6270;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dt{color:#5a6270}
dd{margin:0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.error{background:#fdecea;border:1px solid #f5c2bd;color:#8a1c12;padding:10px 12px;border-radius:4px;margin-bottom:14px}
.notice{background:#e8f5e9;border:1px solid #b9dfbd;color:#1e5c24;padding:10px 12px;border-radius:4px;margin-bottom:14px}
.on{color:#1e7b34;font-weight:600}
.off{color:#b3261e;font-weight:600}
.muted{color:#6b7280;font-size:13px}
form.inline{display:flex;gap:6px;align-items:center;margin:0}
`;
/** A constant of this file, not data: trusted as markup. */
const STYLE_TAG = new SafeHtml(`<style>${STYLE}</style>`);

function layout(title: string, body: SafeHtml, headerExtra: SafeHtml | string = ''): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
${STYLE_TAG}
</head>
<body>
<header><h1>Zulip Mobile Push Notification Service</h1>${headerExtra}</header>
<main>
${body}
</main>
</body>
</html>
`.value;
}

export interface LoginPageOptions {
  error?: string;
  /** Pre-fills zulip_org_id after a failed attempt (the key never comes back). */
  zulipOrgId?: string;
}

export function loginPage(opts: LoginPageOptions = {}): string {
  return layout(
    'Log in to plan management',
    html`<section>
<h2>Plan management for your Zulip server</h2>
<p>Log in with your server's <code>zulip_org_id</code> and <code>zulip_org_key</code>, from
<code>/etc/zulip/zulip-secrets.conf</code> on your Zulip server.</p>
${opts.error ? html`<div class="error" role="alert" id="login-error">${opts.error}</div>` : ''}
<form method="post" action="/serverlogin/" autocomplete="off">
<label for="zulip_org_id">zulip_org_id</label>
<input type="text" id="zulip_org_id" name="zulip_org_id" required maxlength="200" spellcheck="false" value="${opts.zulipOrgId ?? ''}">
<label for="zulip_org_key">zulip_org_key</label>
<input type="password" id="zulip_org_key" name="zulip_org_key" required maxlength="200" autocomplete="off">
<p><button type="submit">Log in</button></p>
</form>
</section>`,
  );
}

const yesNo = (canPush: boolean) =>
  canPush ? html`<span class="on">Enabled</span>` : html`<span class="off">Disabled</span>`;

const userCount = (n: number | null) =>
  n === null ? html`<span class="muted">unknown (no recent metadata upload)</span>` : html`${n}`;

function planForm(csrfToken: string, target: string, current: number, label: string): SafeHtml {
  if (!isSelfServicePlanType(current)) return html`<span class="muted">Managed by billing</span>`;
  const options = SELF_SERVICE_PLAN_TYPES.map(
    (t) => html`<option value="${t}"${t === current ? html` selected` : ''}>${PLAN_TYPE_LABEL[t]}</option>`,
  );
  return html`<form class="inline" method="post" action="/serverlogin/plans/">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="target" value="${target}">
<select name="plan_type" aria-label="${label}">${options}</select>
<button type="submit">Change plan</button>
</form>`;
}

function realmRow(r: RealmSummary, csrfToken: string): SafeHtml {
  const { realm } = r;
  const flags = [
    realm.realmDeactivated ? 'deactivated' : null,
    realm.realmLocallyDeleted ? 'deleted on the server' : null,
    realm.registrationDeactivated ? 'registration deactivated' : null,
  ].filter((f): f is string => f !== null);
  return html`<tr id="realm-${realm.uuid}" data-realm-uuid="${realm.uuid}">
<td><strong class="realm-name">${realm.name}</strong>${flags.length ? html` <span class="muted">(${flags.join(', ')})</span>` : ''}<br><span class="muted realm-host">${realm.host}</span></td>
<td class="users">${userCount(r.humans)}</td>
<td class="plan">${planTypeLabel(realm.planType)}${r.currentPlan ? html`<br><span class="muted">billing plan: ${tierLabel(r.currentPlan.tier)}</span>` : ''}</td>
<td class="push">${yesNo(r.push.canPush)}<br><span class="muted push-reason">${r.push.message}</span></td>
<td>${planForm(csrfToken, realm.uuid, realm.planType, `Plan for ${realm.name}`)}</td>
</tr>`;
}

export interface PlansPageOptions {
  notice?: string;
  error?: string;
  /** Unix seconds → text (the bouncer's clock). */
  formatTime: (seconds: number) => string;
}

export function plansPage(summary: ServerSummary, csrfToken: string, opts: PlansPageOptions): string {
  const { server } = summary;
  const logout = html`<form method="post" action="/serverlogin/logout" class="inline">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<button type="submit" class="link">Log out</button>
</form>`;
  const realms =
    summary.realms.length === 0
      ? html`<p class="muted">This server has not uploaded any organizations yet (Zulip 8.0+ servers do so right after registering).</p>`
      : html`<table>
<thead><tr><th>Organization</th><th>Users</th><th>Plan</th><th>Push notifications</th><th>Change plan</th></tr></thead>
<tbody>
${summary.realms.map((r) => realmRow(r, csrfToken))}
</tbody>
</table>`;
  return layout(
    `Plan management — ${server.hostname}`,
    html`${opts.notice ? html`<div class="notice" role="status" id="notice">${opts.notice}</div>` : ''}
${opts.error ? html`<div class="error" role="alert" id="plan-error">${opts.error}</div>` : ''}
<section id="server">
<h2>Server ${server.hostname}</h2>
<dl>
<dt>zulip_org_id</dt><dd><code id="server-uuid">${server.uuid}</code></dd>
<dt>Plan</dt><dd id="server-plan">${planTypeLabel(server.planType)}${summary.currentPlan ? html` <span class="muted">(billing plan: ${tierLabel(summary.currentPlan.tier)})</span>` : ''}</dd>
<dt>Users (all organizations)</dt><dd id="server-users">${userCount(summary.humans)}</dd>
<dt>Push notifications (server plan)</dt><dd id="server-push">${yesNo(summary.push.canPush)} <span class="muted">${summary.push.message}</span></dd>
<dt>Last metadata upload</dt><dd>${server.lastAuditLogUpdate === null ? 'never' : opts.formatTime(server.lastAuditLogUpdate)}</dd>
</dl>
<p class="muted">The server's plan covers every organization that has no plan of its own
(servers older than Zulip 8.0 send no organization, so only this plan applies to them).</p>
${planForm(csrfToken, 'server', server.planType, 'Plan for the server')}
</section>
<section id="realms">
<h2>Organizations</h2>
<p class="muted">Without a plan, an organization with more than 10 users cannot use the service. Changes apply to the next notification; your server learns the new status at its next metadata upload.</p>
${realms}
</section>`,
    logout,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, html`<section><h2>${title}</h2><p>${message}</p><p><a href="/serverlogin/">Plan management log in</a></p></section>`);
}
