/**
 * `manage.py register_server` for the fake server (zilencer/management/commands/register_server.py,
 * Zulip 10.x; bouncer-protocol.md §3.1–§3.3; the seed's "Signing up", "Updating your server's
 * registration", "Moving your registration to a new server", "Deactivating").
 *
 *   register_server                          preamble, ToS prompt, server/register, metadata upload
 *   register_server --agree-to-terms-of-service   the same without the prompt
 *   register_server --rotate-key             no prompt; new_org_key, written to zulip-secrets.conf
 *   register_server --deactivate             server/deactivate only
 *   register_server --registration-transfer  ToS prompt, register/transfer → serve the secret →
 *                                            register/verify_challenge → new credentials written,
 *                                            then server/register with them, then the upload
 *
 * Every successful action but --deactivate is followed by
 * send_server_data_to_push_bouncer(consider_usage_statistics=False, raise_on_error=True).
 *
 * Printed lines and logs never contain zulip_org_key, the new key, the verification secret or
 * the access token (all are also registered with the log redactor as a safety net). Failures
 * throw `RegisterServerError` (Django's CommandError) carrying Zulip's message, the bouncer's
 * code and msg, the client error as `cause`, and what was printed before the failure.
 */
import fs from 'node:fs';
import {
  BouncerCredentialsMissingError,
  BouncerJsonableError,
  PushNotificationBouncerError,
  PushNotificationBouncerRetryLaterError,
  PushNotificationBouncerServerError,
  PushNotificationsDisallowedByBouncerError,
} from './bouncer-client/errors';
import { isSkipped, type BouncerResult } from './bouncer-client/client';
import type { UploadServerDataResult } from './bouncer-client/analytics-upload';
import type { ZulipServerContext } from './context';
import { sendServerDataToPushBouncer } from './analytics';
import { randomKey } from './secrets-file';
import { clearTransferChallenge, prepareTransferChallenge } from './transfer-challenge';

export interface RegisterServerOptions {
  /** `--agree-to-terms-of-service`: skip the prompt. */
  agreeToTermsOfService?: boolean;
  rotateKey?: boolean;
  deactivate?: boolean;
  registrationTransfer?: boolean;
  /** Asks the operator a question (the ToS prompt); absent = non-interactive (answers nothing). */
  prompt?: (question: string) => Promise<string>;
  /** Each line the command prints. */
  print?: (line: string) => void;
  /**
   * Transfer only: runs after the challenge is stored and before verify_challenge is sent (a
   * test advances a VirtualClock here to cross the 10 s lifetime).
   */
  beforeVerify?: () => void | Promise<void>;
}

export interface RegisterServerOutcome {
  action: 'registered' | 'updated' | 'rotated' | 'deactivated' | 'transferred' | 'aborted';
  created?: boolean;
  /** Everything printed, in order. */
  output: string[];
  /** The metadata upload that followed (absent when none ran). */
  upload?: UploadServerDataResult;
}

/** Django's CommandError from register_server, with what the bouncer said. */
export class RegisterServerError extends Error {
  /** The bouncer's error code (e.g. HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR), when it answered with one. */
  readonly code: string | null;
  /** The bouncer's own `msg`, when it answered. */
  readonly bouncerMsg: string | null;
  /** The bouncer's HTTP status, when it answered. */
  readonly status: number | null;
  /** Lines printed before the failure. */
  readonly output: string[];

  constructor(message: string, opts: { code?: string | null; bouncerMsg?: string | null; status?: number | null; output: string[]; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CommandError';
    this.code = opts.code ?? null;
    this.bouncerMsg = opts.bouncerMsg ?? null;
    this.status = opts.status ?? null;
    this.output = [...opts.output];
  }
}

export const COMMAND_LOGGER = 'zilencer.management.commands.register_server';

/** The seed's "Security and privacy" sentence, shown above the prompt. */
export const TOS_NOTICE =
  'Use of the push notification bouncer is subject to the Zulip Cloud Terms of Service, Privacy Policy ' +
  'and Rules of Use. By using push notifications, you agree to these terms.';
/** register_server's question (Zulip 10.x wording). */
export const TOS_QUESTION = 'Do you want to agree to the Zulip Terms of Service and proceed? [Y/n] ';
/** What the simulator prints when it cannot ask (no terminal) and the flag was not given. */
export const TOS_NOT_ACCEPTED =
  'Aborting, since Terms of Service have not been accepted: run register_server interactively, ' +
  'or pass --agree-to-terms-of-service.';

export const HOSTNAME_IN_USE_CODE = 'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR';

/** Zulip's advice on HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR. */
export const HOSTNAME_IN_USE_ADVICE =
  '--------------------------------\n' +
  'The hostname is already in use by another server. If you control the hostname \n' +
  'and want to transfer the registration to this server, you can run manage.py register_server \n' +
  'with the --registration-transfer flag.\n' +
  'Note that this will invalidate old credentials if another server is still using them.\n' +
  '\n' +
  'For more information, see: \n' +
  '\n' +
  '<https://zulip.com/doc-permalinks/registration-transfer>';

/** The `y` / `yes` / empty answers register_server takes as agreement. */
export const acceptsTerms = (answer: string): boolean => ['y', 'yes', ''].includes(answer.trim().toLowerCase());

/**
 * The data register_server shares, as it prints it before asking (Zulip 10.x text, plus the
 * zulip_org_id line — a simulator addition; the key is never shown).
 */
export function registrationPreamble(ctx: ZulipServerContext): string[] {
  const s = ctx.settings();
  const orgId = ctx.secrets.credentials()?.zulipOrgId ?? '(not set)';
  return [
    'This command registers your server for the Mobile Push Notifications Service.',
    "Doing so will share basic metadata with the service's maintainers:",
    '',
    `* This server's configured hostname: ${s.externalHost}`,
    `* This server's configured contact email address: ${s.zulipAdministrator}`,
    `* This server's registration ID (zulip_org_id): ${orgId}`,
    '* Metadata about each organization hosted by the server; see:',
    '',
    '    <https://zulip.com/doc-permalinks/basic-metadata>',
    '',
    'Use of this service is governed by the Zulip Terms of Service:',
    '',
    '    <https://zulip.com/policies/terms>',
    '',
  ];
}

/** The options as argparse would see them: the three actions are mutually exclusive. */
function checkExclusive(opts: RegisterServerOptions, output: string[]): void {
  const flags = [
    ['--rotate-key', opts.rotateKey],
    ['--registration-transfer', opts.registrationTransfer],
    ['--deactivate', opts.deactivate],
  ].filter(([, on]) => on === true) as [string, boolean][];
  if (flags.length > 1) {
    throw new RegisterServerError(`argument ${flags[1]![0]}: not allowed with argument ${flags[0]![0]}`, { code: 'USAGE', output });
  }
}

export async function registerServer(ctx: ZulipServerContext, opts: RegisterServerOptions = {}): Promise<RegisterServerOutcome> {
  const output: string[] = [];
  const print = (text = '') => {
    for (const line of text.split('\n')) {
      output.push(line);
      opts.print?.(line);
    }
  };
  const log = ctx.logger.child({ logger: COMMAND_LOGGER });
  const fail = (message: string, extra: { code?: string; cause?: unknown } = {}) => new RegisterServerError(message, { ...extra, output });

  checkExclusive(opts, output);

  // handle()'s checks, in Zulip's order.
  const creds = ctx.secrets.credentials();
  const stored = ctx.secrets.read();
  if (!stored.get('zulip_org_id')) throw fail('Missing zulip_org_id; run scripts/setup/generate_secrets.py to generate.');
  if (!stored.get('zulip_org_key') || !creds) throw fail('Missing zulip_org_key; run scripts/setup/generate_secrets.py to generate.');
  ctx.addSecret(creds.zulipOrgKey);
  const settings = ctx.settings();
  if (!settings.servicesUrl) {
    throw fail('ZULIP_SERVICES_URL is not set; was the default incorrectly overridden in /etc/zulip/settings.py?');
  }
  if (!settings.pushNotifications) throw fail('Please set ZULIP_SERVICE_PUSH_NOTIFICATIONS to True in /etc/zulip/settings.py');
  const servicesUrl = settings.servicesUrl;

  if (opts.deactivate) {
    // send_json_to_push_bouncer("POST", "server/deactivate", {}): its exceptions propagate.
    await bouncerCall(() => ctx.bouncer.deactivateServer(), 'json', servicesUrl, output);
    print('Mobile Push Notification Service registration successfully deactivated!');
    log.info('register_server --deactivate: registration deactivated');
    return { action: 'deactivated', output };
  }

  const hostname = settings.externalHost;
  let newOrgKey: string | undefined;
  if (opts.rotateKey) {
    try {
      fs.accessSync(ctx.secrets.path, fs.constants.W_OK);
    } catch {
      throw fail(`${ctx.secrets.path} is not writable by the current user.`);
    }
    newOrgKey = randomKey();
    ctx.addSecret(newOrgKey);
  }

  for (const line of registrationPreamble(ctx)) print(line);

  if (!opts.agreeToTermsOfService && !opts.rotateKey) {
    print(TOS_NOTICE);
    if (!opts.prompt) {
      // No one to ask: nothing is sent (simulator message; Zulip's input() would fail on EOF).
      print(TOS_NOT_ACCEPTED);
      log.info('register_server: aborted, Terms of Service not accepted');
      return { action: 'aborted', output };
    }
    const answer = await opts.prompt(TOS_QUESTION);
    print();
    if (!acceptsTerms(answer)) {
      // Zulip returns without a word: the "n" reply is clear enough about what happened.
      log.info('register_server: aborted, Terms of Service declined');
      return { action: 'aborted', output };
    }
  }

  if (opts.registrationTransfer) {
    await transferFlow(ctx, hostname, servicesUrl, opts, print, output);
    print();
    print('Proceeding to update the registration with current metadata...');
  }

  // server/register, with the credentials as the secrets file has them now (new after a transfer).
  const response = await bouncerCall(
    () => ctx.bouncer.registerServer({ hostname, contactEmail: settings.zulipAdministrator, newOrgKey }),
    'command',
    servicesUrl,
    output,
    print,
  );
  const created = response.created;

  if (newOrgKey !== undefined && !created) {
    // Zulip 10.x writes the key after the upload below, which therefore still authenticates with
    // the old key the bouncer has just replaced; writing first lets the upload succeed (deviation).
    ctx.secrets.write({ zulip_org_key: newOrgKey });
  }

  const upload = await bouncerCall(
    () => sendServerDataToPushBouncer(ctx, { considerUsageStatistics: false, raiseOnError: true }),
    'json',
    servicesUrl,
    output,
  );

  let action: RegisterServerOutcome['action'];
  if (created) {
    print('Your server is now registered for the Mobile Push Notification Service!\nReturn to the documentation for next steps.');
    action = 'registered';
  } else {
    if (newOrgKey !== undefined) print(`Success! Updating ${ctx.secrets.path} with the new key...`);
    print('Mobile Push Notification Service registration successfully updated!');
    action = newOrgKey !== undefined ? 'rotated' : 'updated';
  }
  if (opts.registrationTransfer) {
    print();
    print(
      'Make sure to restart the server next by running /home/zulip/deployments/current/scripts/restart-server ' +
        'so that the new credentials are reloaded.',
    );
    action = 'transferred';
  }
  log.info(`register_server: ${action} (created=${created ? 'True' : 'False'})`);
  return { action, created, output, upload };
}

/** do_registration_transfer_flow: new credentials from the bouncer, written to the secrets file. */
async function transferFlow(
  ctx: ZulipServerContext,
  hostname: string,
  servicesUrl: string,
  opts: RegisterServerOptions,
  print: (text?: string) => void,
  output: string[],
): Promise<void> {
  const { verification_secret: verificationSecret } = await bouncerCall(
    () => ctx.bouncer.transferRegistration({ hostname }),
    'command',
    servicesUrl,
    output,
    print,
  );
  ctx.addSecret(verificationSecret);
  print('Received a verification secret from the service. Preparing to serve it at the verification URL.');
  const accessToken = prepareTransferChallenge(ctx, verificationSecret);
  try {
    await opts.beforeVerify?.();
    print('Sending ACK to the service and awaiting completion of verification...');
    const { zulip_org_id: orgId, zulip_org_key: orgKey } = await bouncerCall(
      () => ctx.bouncer.verifyTransferChallenge({ hostname, accessToken }),
      'command',
      servicesUrl,
      output,
      print,
    );
    ctx.addSecret(orgKey);
    print('Success! Updating secrets file with received credentials.');
    ctx.secrets.write({ zulip_org_id: orgId, zulip_org_key: orgKey });
    print('Mobile Push Notification Service registration successfully transferred.');
    ctx.logger.child({ logger: COMMAND_LOGGER }).info('register_server --registration-transfer: new credentials written');
  } finally {
    // Zulip lets the Redis key expire; the command is done with it either way.
    clearTransferChallenge(ctx);
  }
}

/**
 * One bouncer exchange, its failure turned into the CommandError Zulip shows:
 *  - 'command': register_server's own `_request_push_notification_bouncer_url` (register,
 *    transfer, verify_challenge): network errors → "Network error connecting to push
 *    notifications service (<url>)"; 4xx → `Error received from the push notification service:
 *    "<msg>"`, with the --registration-transfer advice printed first on
 *    HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR;
 *  - 'json': send_json_to_push_bouncer / the metadata upload, whose exceptions Zulip lets
 *    propagate: the message is the exception's own (inferred: what the traceback ends with).
 */
async function bouncerCall<T>(
  op: () => Promise<BouncerResult<T>>,
  style: 'command' | 'json',
  servicesUrl: string,
  output: string[],
  print?: (text?: string) => void,
): Promise<T> {
  let result: BouncerResult<T>;
  try {
    result = await op();
  } catch (e) {
    throw toCommandError(e, style, servicesUrl, output, print);
  }
  if (isSkipped(result)) {
    // Settings changed under the running command (ZULIP_SERVICES_URL unset): nothing was sent.
    throw new RegisterServerError('ZULIP_SERVICES_URL is not set; was the default incorrectly overridden in /etc/zulip/settings.py?', { output });
  }
  return result;
}

const INVALID_SERVER_PREFIX = 'Push notifications bouncer error: ';

function toCommandError(
  e: unknown,
  style: 'command' | 'json',
  servicesUrl: string,
  output: string[],
  print?: (text?: string) => void,
): RegisterServerError {
  if (e instanceof RegisterServerError) return e;
  // What the bouncer said, whichever class the client raised for it.
  let bouncerMsg: string | null = null;
  let code: string | null = null;
  let status: number | null = null;
  if (e instanceof PushNotificationBouncerError) {
    bouncerMsg = e.message.startsWith(INVALID_SERVER_PREFIX) ? e.message.slice(INVALID_SERVER_PREFIX.length) : e.message;
    code = e.code;
    status = e.status ?? null;
  } else if (e instanceof PushNotificationsDisallowedByBouncerError) {
    bouncerMsg = e.reason;
    code = e.code;
    status = e.status ?? null;
  } else if (e instanceof BouncerJsonableError && !(e instanceof PushNotificationBouncerRetryLaterError)) {
    bouncerMsg = e.msg;
    code = e.code;
    status = e.status ?? null;
  }

  if (e instanceof BouncerCredentialsMissingError) {
    return new RegisterServerError('Missing zulip_org_id; run scripts/setup/generate_secrets.py to generate.', { output, cause: e });
  }
  if (style === 'command') {
    if (e instanceof PushNotificationBouncerRetryLaterError && !(e instanceof PushNotificationBouncerServerError)) {
      return new RegisterServerError(`Network error connecting to push notifications service (${servicesUrl})`, { output, cause: e });
    }
    if (bouncerMsg !== null) {
      if (code === HOSTNAME_IN_USE_CODE) print?.(HOSTNAME_IN_USE_ADVICE);
      return new RegisterServerError(`Error received from the push notification service: "${bouncerMsg}"`, {
        code,
        bouncerMsg,
        status,
        output,
        cause: e,
      });
    }
  }
  const message = e instanceof Error ? e.message : String(e);
  return new RegisterServerError(message, { code, bouncerMsg, status, output, cause: e });
}
