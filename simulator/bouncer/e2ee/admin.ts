/**
 * Admin routes for the E2EE key ring (`/__admin/e2ee/...`), the simulator's
 * `manage_push_registration_encryption_keys`. Not part of Zulip's protocol. Private keys are
 * never returned.
 *
 *   GET    /__admin/e2ee/keys              → { current, keys } (public keys, current first)
 *   POST   /__admin/e2ee/keys              → { publicKey } (a new key, now current)
 *   DELETE /__admin/e2ee/keys/:publicKey   → { removed } (URL-encode the key: it holds / + =);
 *                                            404 unknown key, 409 the ring's only key
 */
import type { FastifyInstance } from 'fastify';
import type { BouncerContext } from '../context';
import { KeyRingError } from './key-ring';

export function registerE2eeAdminRoutes(app: FastifyInstance, ctx: BouncerContext): void {
  app.get('/__admin/e2ee/keys', async () => ({
    current: ctx.keyRing.currentPublicKey(),
    keys: ctx.keyRing.publicKeys(),
  }));

  app.post('/__admin/e2ee/keys', async () => ({ publicKey: ctx.keyRing.add() }));

  app.delete<{ Params: { publicKey: string } }>('/__admin/e2ee/keys/:publicKey', async (req, reply) => {
    const { publicKey } = req.params;
    try {
      if (!ctx.keyRing.remove(publicKey)) return reply.code(404).send({ error: 'key not found' });
    } catch (e) {
      if (e instanceof KeyRingError) return reply.code(409).send({ error: e.message });
      throw e;
    }
    return { removed: publicKey };
  });
}
