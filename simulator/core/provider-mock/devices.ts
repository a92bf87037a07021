/**
 * The devices a mock provider knows: tokens created by simulated phones for an app (APNs topic)
 * or a Firebase project. Unknown tokens are refused the way the provider refuses them; an
 * unregistered token answers 410 Unregistered (APNs, with the time it stopped) or UNREGISTERED (FCM).
 */
export interface Device {
  token: string;
  /** APNs topic (bundle id) / FCM project id. */
  scope: string;
  state: 'active' | 'unregistered';
  createdAt: number;
  /** Clock ms when the token became invalid. */
  unregisteredAt: number | null;
  /** Free text for humans (e.g. "Hamlet's iPhone"). */
  label?: string;
}

export class DeviceRegistry {
  private readonly devices = new Map<string, Device>();

  constructor(private readonly normalize: (token: string) => string = (t) => t) {}

  add(token: string, scope: string, now: number, label?: string): Device {
    const device: Device = { token, scope, state: 'active', createdAt: now, unregisteredAt: null, label };
    this.devices.set(this.normalize(token), device);
    return { ...device };
  }

  get(token: string): Device | undefined {
    const d = this.devices.get(this.normalize(token));
    return d && { ...d };
  }

  /** Marks a token invalid from `now` on (the app was uninstalled, the token rotated...). */
  unregister(token: string, now: number): Device | undefined {
    const d = this.devices.get(this.normalize(token));
    if (!d) return undefined;
    d.state = 'unregistered';
    d.unregisteredAt = now;
    return { ...d };
  }

  remove(token: string): boolean {
    return this.devices.delete(this.normalize(token));
  }

  list(scope?: string): Device[] {
    return [...this.devices.values()].filter((d) => scope === undefined || d.scope === scope).map((d) => ({ ...d }));
  }

  clear(): void {
    this.devices.clear();
  }
}
