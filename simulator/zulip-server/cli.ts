/**
 * `npm run zulip -- <command>`: manage.py for a running fake Zulip server, over its loopback
 * admin surface (http/routes/admin.ts).
 *
 *   npm run zulip -- register_server [--agree-to-terms-of-service]
 *       [--rotate-key | --deactivate | --registration-transfer]
 *       (--data-dir DIR | --url https://127.0.0.1:PORT --ca-file FILE)
 *
 * `--data-dir` is the stack's data dir: the server writes `<dir>/zulip/server.json` (its URL and
 * CA file) when it starts. As with Zulip's command, the registration data is printed first and
 * the Terms of Service are asked for on a terminal unless `--agree-to-terms-of-service` (or
 * `--rotate-key`, or `--deactivate`) is given; without a terminal and without the flag the
 * command aborts (exit 1) and sends nothing. Errors print Zulip's message and exit 1; usage
 * errors exit 2.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { runCli, UsageError } from '../core/cli';

const USAGE = `usage:
  npm run zulip -- register_server [--agree-to-terms-of-service]
      [--rotate-key | --deactivate | --registration-transfer]
      (--data-dir DIR | --url https://127.0.0.1:PORT --ca-file FILE)
`;

/** Mirrors register-server.ts TOS_NOT_ACCEPTED (kept local: the CLI imports nothing of the server). */
const TOS_NOT_ACCEPTED =
  'Aborting, since Terms of Service have not been accepted: run register_server interactively, ' +
  'or pass --agree-to-terms-of-service.';


interface Target {
  url: string;
  ca: string;
}

interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

function adminRequest(target: Target, method: string, urlPath: string, body?: unknown): Promise<AdminAnswer> {
  const url = new URL(urlPath, target.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: target.ca,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return reject(new Error(`${method} ${url.pathname}: answer is not JSON (status ${res.statusCode})`));
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function resolveTarget(v: { url?: string; 'ca-file'?: string; 'data-dir'?: string }): Target {
  if (v['data-dir'] !== undefined) {
    if (v.url !== undefined || v['ca-file'] !== undefined) throw new UsageError('--data-dir cannot be combined with --url / --ca-file');
    const infoFile = path.join(v['data-dir'], 'zulip', 'server.json');
    if (!fs.existsSync(infoFile)) throw new UsageError(`${infoFile} not found: is the fake Zulip server running with that data dir?`);
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { url?: unknown; caCertFile?: unknown };
    if (typeof info.url !== 'string' || typeof info.caCertFile !== 'string') throw new UsageError(`${infoFile} is not a server description`);
    return { url: info.url, ca: fs.readFileSync(info.caCertFile, 'utf8') };
  }
  if (v.url === undefined || v['ca-file'] === undefined) throw new UsageError('give --data-dir DIR, or --url URL with --ca-file FILE');
  return { url: v.url, ca: fs.readFileSync(v['ca-file'], 'utf8') };
}

const lines = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** `output` without the preview lines already shown before the prompt. */
function withoutPrefix(output: string[], shown: string[]): string[] {
  const same = shown.length <= output.length && shown.every((l, i) => output[i] === l);
  return same ? output.slice(shown.length) : output;
}

async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

const out = (text: string) => process.stdout.write(text + '\n');
const err = (text: string) => process.stderr.write(text + '\n');

async function registerServerCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'agree-to-terms-of-service': { type: 'boolean', default: false },
        'rotate-key': { type: 'boolean', default: false },
        deactivate: { type: 'boolean', default: false },
        'registration-transfer': { type: 'boolean', default: false },
        url: { type: 'string' },
        'ca-file': { type: 'string' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const actions = (['rotate-key', 'registration-transfer', 'deactivate'] as const).filter((k) => v[k]);
  if (actions.length > 1) throw new UsageError(`argument --${actions[1]}: not allowed with argument --${actions[0]}`);
  const target = resolveTarget(v);

  let agree = v['agree-to-terms-of-service'] ?? false;
  let shown: string[] = [];
  if (!agree && !v['rotate-key'] && !v.deactivate) {
    // Show what would be sent, then ask (register_server's prompt), before anything is sent.
    const preview = await adminRequest(target, 'GET', '/__admin/register_server');
    if (preview.status !== 200) {
      err(`CommandError: ${String(preview.body.msg)}`);
      return 1;
    }
    shown = lines(preview.body.output);
    for (const l of shown) out(l);
    out(String(preview.body.tosNotice));
    if (!process.stdin.isTTY) {
      err(TOS_NOT_ACCEPTED);
      return 1;
    }
    const answer = await ask(String(preview.body.tosQuestion));
    out('');
    if (!['y', 'yes', ''].includes(answer.trim().toLowerCase())) return 0; // Zulip: a silent return
    agree = true;
  }

  const res = await adminRequest(target, 'POST', '/__admin/register_server', {
    agreeToTermsOfService: agree,
    rotateKey: v['rotate-key'],
    deactivate: v.deactivate,
    registrationTransfer: v['registration-transfer'],
  });
  for (const l of withoutPrefix(lines(res.body.output), shown)) out(l);
  if (res.status !== 200) {
    err(`CommandError: ${String(res.body.msg)}`);
    return 1;
  }
  return res.body.action === 'aborted' ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'register_server':
      return registerServerCommand(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

runCli(main, USAGE);
