/**
 * APNs-only admin routes, beside the shared ones of core/provider-mock/admin.ts:
 *
 *   GET  /__admin/apns     → { environment, teamId, keyId, keyFile, topics, caCertPem }
 *   GET  /__admin/keys     → { keys: [{ teamId, keyId, keyFile, publicKeyPem }] }   (never a private key)
 *   POST /__admin/keys     { teamId?, keyId?, publicKeyPem? } → 201 key  (generates a .p8 unless given a public key)
 *   GET  /__admin/topics   → { topics }
 *   POST /__admin/topics   { topic } → 201 { topics }
 */
import { sendJson, type AnyRequest, type AnyResponse } from '../core/provider-mock/admin';
import { KeyError, type KeyRing, type NewKeyOptions } from './keys';

export interface ApnsAdminFacts {
  environment: string;
  teamId: string;
  keyId: string;
  keyFile: string;
  caCertPem: string;
  keys: KeyRing;
  topics(): string[];
  addTopic(topic: string): void;
}

export function apnsAdminRoutes(facts: ApnsAdminFacts) {
  return async (req: AnyRequest, res: AnyResponse, url: URL, body: unknown): Promise<boolean> => {
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    const b = (body ?? {}) as Record<string, unknown>;
    switch (route) {
      case 'GET /__admin/apns': {
        const { environment, teamId, keyId, keyFile, caCertPem } = facts;
        sendJson(res, 200, { environment, teamId, keyId, keyFile, topics: facts.topics(), caCertPem });
        return true;
      }
      case 'GET /__admin/keys':
        sendJson(res, 200, { keys: facts.keys.list() });
        return true;
      case 'POST /__admin/keys': {
        const opts: NewKeyOptions = {};
        for (const k of ['teamId', 'keyId', 'publicKeyPem'] as const) {
          if (b[k] === undefined) continue;
          if (typeof b[k] !== 'string') return bad(res, `${k} must be a string`);
          opts[k] = b[k];
        }
        try {
          sendJson(res, 201, await facts.keys.add(opts));
        } catch (e) {
          if (e instanceof KeyError) return bad(res, e.message);
          throw e;
        }
        return true;
      }
      case 'GET /__admin/topics':
        sendJson(res, 200, { topics: facts.topics() });
        return true;
      case 'POST /__admin/topics':
        if (typeof b.topic !== 'string' || b.topic === '') return bad(res, 'topic (an app bundle id) is required');
        facts.addTopic(b.topic);
        sendJson(res, 201, { topics: facts.topics() });
        return true;
      default:
        return false;
    }
  };
}

function bad(res: AnyResponse, error: string): true {
  sendJson(res, 400, { error });
  return true;
}
