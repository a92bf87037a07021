/**
 * The mock FCM's admin surface: the shared `/__admin` routes (core/provider-mock/admin.ts, scope =
 * Firebase project id) plus FCM's own:
 *
 *   GET  /__admin/info               → where the mock listens, its default project, file paths
 *   GET  /__admin/projects           → { projects: [{ projectId, clientEmail, serviceAccountFile }] }
 *   POST /__admin/projects { projectId } → 201 the new project and its service account
 *   GET  /__admin/service-accounts   → { serviceAccounts: [service-account JSON minus private_key, + file] }
 *
 * Private keys never leave through this surface: a client in another process reads the file.
 */
import { sendJson, type AdminTarget } from '../core/provider-mock/admin';
import type { FcmContext } from './context';
import { PROJECT_ID_PATTERN, publicView, type ServiceAccount } from './service-account';

export function fcmAdminTarget(ctx: FcmContext, info: () => Record<string, unknown>): AdminTarget {
  return {
    component: 'fcm',
    clock: ctx.clock,
    journal: ctx.journal,
    rules: ctx.rules,
    devices: ctx.devices,
    createDevice: (scope, opts) => ctx.createDevice(scope, opts),
    extra: async (req, res, url, body) => {
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case 'GET /__admin/info':
          sendJson(res, 200, info());
          return true;
        case 'GET /__admin/projects':
          sendJson(res, 200, { projects: ctx.accounts.list().map(describe) });
          return true;
        case 'GET /__admin/service-accounts':
          sendJson(res, 200, { serviceAccounts: ctx.accounts.list().map((sa) => ({ ...publicView(sa), file: sa.file })) });
          return true;
        case 'POST /__admin/projects': {
          const projectId = (body as { projectId?: unknown } | null)?.projectId;
          if (typeof projectId !== 'string' || !PROJECT_ID_PATTERN.test(projectId)) {
            sendJson(res, 400, { error: `projectId must match ${PROJECT_ID_PATTERN}` });
          } else if (ctx.accounts.hasProject(projectId)) {
            sendJson(res, 409, { error: `project ${projectId} exists` });
          } else {
            sendJson(res, 201, describe(await ctx.addProject(projectId)));
          }
          return true;
        }
        default:
          return false;
      }
    },
  };
}

const describe = (sa: ServiceAccount) => ({
  projectId: sa.projectId,
  clientEmail: sa.clientEmail,
  privateKeyId: sa.privateKeyId,
  serviceAccountFile: sa.file,
});
