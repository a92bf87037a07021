/**
 * A seeded, synthetic organisation for the fake server: realms with their owners, admins,
 * moderators, members, guests and bots, and channels. People and text come from
 * @faker-js/faker seeded with the run's seed, so the same seed always gives the same world
 * (names, emails, uuids, API keys) and the same message texts, each with its own canary.
 */
import type { Faker } from '@faker-js/faker';
// The English-only entry point: the package root loads every locale (~0.5 s per Jest file).
import { faker as englishFaker } from '@faker-js/faker/locale/en';
import { makeCanary } from './canary';
import type { ServerState } from './state';
import { ROLE, type Channel, type Realm, type Role, type User } from './types';

export interface RealmSpec {
  /** '' (default) = the root domain, EXTERNAL_HOST itself; else `<subdomain>.<EXTERNAL_HOST>`. */
  subdomain?: string;
  name?: string;
  /** How many humans of each role. Default: 1 owner, 1 admin, 1 moderator, 2 members, 1 guest. */
  roles?: Partial<Record<'owner' | 'administrator' | 'moderator' | 'member' | 'guest', number>>;
  bots?: number;
  channels?: string[];
  requireE2eePushNotifications?: boolean;
  /** Zulip's org types (Realm.ORG_TYPES): 10 business (default), 30 open source, … */
  orgType?: number;
}

export const DEFAULT_ROLES = { owner: 1, administrator: 1, moderator: 1, member: 2, guest: 1 } as const;
const ROLE_OF = { owner: ROLE.OWNER, administrator: ROLE.ADMINISTRATOR, moderator: ROLE.MODERATOR, member: ROLE.MEMBER, guest: ROLE.GUEST } as const;

export class World {
  readonly faker: Faker;
  private canaries = 0;

  constructor(
    readonly seed: number,
    private readonly state: ServerState,
    private readonly externalHost: string,
    private readonly now: () => number,
  ) {
    // A private instance per world (seeded alone), with the English definitions.
    const FakerClass = englishFaker.constructor as new (opts: { locale: Faker['rawDefinitions'] }) => Faker;
    this.faker = new FakerClass({ locale: englishFaker.rawDefinitions });
    this.faker.seed(seed);
  }

  addRealm(spec: RealmSpec = {}): Realm {
    const f = this.faker;
    const sub = spec.subdomain ?? '';
    const host = sub === '' ? this.externalHost : `${sub}.${this.externalHost}`;
    const realm = this.state.addRealm({
      uuid: f.string.uuid(),
      uuidOwnerSecret: `zuliprealm_${f.string.alphanumeric(32)}`,
      host,
      url: `https://${host}`,
      name: spec.name ?? f.company.name(),
      orgType: spec.orgType ?? 10,
      dateCreated: Math.floor(this.now() / 1000) - 86_400 * f.number.int({ min: 30, max: 900 }),
      authenticationMethods: { Email: true, GitHub: false, Google: false, LDAP: false, 'OpenID Connect': false, SAML: false },
      deactivated: false,
      isSystemBotRealm: false,
      requireE2eePushNotifications: spec.requireE2eePushNotifications ?? false,
      pushNotificationsEnabled: false,
      pushNotificationsEnabledEndTimestamp: null,
    });
    const roles = { ...DEFAULT_ROLES, ...spec.roles };
    for (const [role, count] of Object.entries(roles) as [keyof typeof ROLE_OF, number][]) {
      for (let i = 0; i < count; i += 1) this.addUser(realm, { role: ROLE_OF[role] });
    }
    for (let i = 0; i < (spec.bots ?? 1); i += 1) this.addUser(realm, { bot: true });
    for (const name of spec.channels ?? ['general', f.word.noun()]) this.state.addChannel({ realmId: realm.id, name });
    return realm;
  }

  /** A new human (default: member) or bot in `realm`, with a unique name and email. */
  addUser(realm: Realm, opts: { role?: Role; bot?: boolean; fullName?: string } = {}): User {
    const f = this.faker;
    const taken = new Set(this.state.usersOf(realm.id).map((u) => u.fullName));
    let fullName = opts.fullName ?? (opts.bot ? `${f.word.adjective()} bot` : f.person.fullName());
    for (let n = 2; taken.has(fullName); n += 1) fullName = `${fullName.replace(/ \d+$/, '')} ${n}`;
    const local = fullName
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9 ]/g, '')
      .trim()
      .toLowerCase()
      .replace(/\s+/g, '.');
    const domain = realm.host.split(':')[0];
    const user = this.state.addUser(
      {
        uuid: f.string.uuid(),
        realmId: realm.id,
        email: opts.bot ? `${local.replace(/\./g, '-')}@${domain}` : `${local}@${domain}`,
        fullName,
        role: opts.bot ? ROLE.MEMBER : (opts.role ?? ROLE.MEMBER),
        isBot: opts.bot ?? false,
        avatarUrl: '',
        isActive: true,
      },
      f.string.alphanumeric(32),
    );
    const withAvatar = { ...user, avatarUrl: `${realm.url}/avatar/${user.id}?s=100&version=1` };
    this.state.users.set(user.id, withAvatar);
    return withAvatar;
  }

  /** A unique canary token (see canary.ts). */
  canary(): string {
    this.canaries += 1;
    return makeCanary(this.seed, this.canaries);
  }

  /** A plausible message text that carries a fresh canary. */
  messageText(opts: { prefix?: string } = {}): string {
    const sentence = this.faker.lorem.sentence({ min: 4, max: 12 });
    return `${opts.prefix ? `${opts.prefix} ` : ''}${sentence} ${this.canary()}`;
  }

  channelsOf(realmId: number): Channel[] {
    return [...this.state.channels.values()].filter((c) => c.realmId === realmId);
  }
}
