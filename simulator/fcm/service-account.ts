/**
 * Service accounts: the credentials a Firebase project hands its servers. For each project the
 * mock generates an RSA-2048 key and writes the JSON file Google would give you
 * (`<dataDir>/fcm/service-account.json` for the default project), with `token_uri` pointing at
 * the mock. Clients that honour `token_uri` (google-auth Python, the bouncer) need nothing else;
 * firebase-admin Node ignores it and hard-codes https://oauth2.googleapis.com/token
 * (client-redirect.md §2), which the mock also accepts.
 *
 * An existing file for the same project is reused (only `token_uri` is rewritten), so a stack
 * restarted on the same data dir keeps the credentials its clients were configured with.
 */
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const generateKeyPair = promisify(crypto.generateKeyPair);

export interface ServiceAccountJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKeyId: string;
  publicKey: KeyObject;
  /** Absolute path of the JSON file (it holds the private key). */
  file: string;
  json: ServiceAccountJson;
}

/** Firebase project ids: 6–30 chars, lower-case letters, digits and hyphens, starting with a letter. */
export const PROJECT_ID_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export async function loadOrCreateServiceAccount(file: string, projectId: string, tokenUri: string): Promise<ServiceAccount> {
  const existing = readExisting(file, projectId);
  const json = existing ?? (await generate(projectId));
  json.token_uri = tokenUri;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n', { mode: 0o600 });
  return {
    projectId,
    clientEmail: json.client_email,
    privateKeyId: json.private_key_id,
    publicKey: crypto.createPublicKey(json.private_key),
    file: path.resolve(file),
    json,
  };
}

/** The JSON a client may see in listings: everything but the private key. */
export function publicView(sa: ServiceAccount): Omit<ServiceAccountJson, 'private_key'> {
  const { private_key: _secret, ...rest } = sa.json;
  return rest;
}

function readExisting(file: string, projectId: string): ServiceAccountJson | null {
  if (!fs.existsSync(file)) return null;
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceAccountJson;
    if (json.project_id !== projectId || typeof json.private_key !== 'string') return null;
    crypto.createPrivateKey(json.private_key);
    return json;
  } catch {
    return null;
  }
}

async function generate(projectId: string): Promise<ServiceAccountJson> {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  const account = `firebase-adminsdk-${randomLower(5)}`;
  const clientEmail = `${account}@${projectId}.iam.gserviceaccount.com`;
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: crypto.randomBytes(20).toString('hex'),
    // PKCS#8, as Google's downloads are.
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: randomDigits(21),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}

const randomLower = (n: number) => [...crypto.randomBytes(n)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
const randomDigits = (n: number) => '1' + [...crypto.randomBytes(n - 1)].map((b) => String(b % 10)).join('');

/** Every service account the mock knows, by client_email and by project. */
export class ServiceAccountRegistry {
  private readonly byEmail = new Map<string, ServiceAccount>();

  add(sa: ServiceAccount): void {
    this.byEmail.set(sa.clientEmail, sa);
  }

  get(clientEmail: string): ServiceAccount | undefined {
    return this.byEmail.get(clientEmail);
  }

  forProject(projectId: string): ServiceAccount | undefined {
    return [...this.byEmail.values()].find((sa) => sa.projectId === projectId);
  }

  hasProject(projectId: string): boolean {
    return this.forProject(projectId) !== undefined;
  }

  list(): ServiceAccount[] {
    return [...this.byEmail.values()];
  }
}
