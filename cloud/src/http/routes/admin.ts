import { z } from '@hono/zod-openapi';
import { createStaff, listRoles, listStaff } from '../../domain/admin/staff.ts';
import { listOperations } from '../../domain/oplog/list-operations.ts';
import { json, jsonBody, route, router, standardErrors } from '../route.ts';

const StaffRow = z.object({
  id: z.string(),
  loginId: z.string(),
  displayName: z.string(),
  status: z.string(),
  roles: z.array(z.string()),
});

const listStaffRoute = route('staff.admin', {
  method: 'get',
  path: '/staff',
  operationId: 'listStaff',
  tags: ['admin'],
  responses: { 200: json(z.object({ staff: z.array(StaffRow) }), 'Staff users'), ...standardErrors },
});
const createStaffRoute = route('staff.admin', {
  method: 'post',
  path: '/staff',
  operationId: 'createStaff',
  tags: ['admin'],
  request: {
    body: jsonBody(
      z.object({
        loginId: z.string().regex(/^[a-z0-9._-]{2,32}$/, 'login id: 2–32 of a-z 0-9 . _ -'),
        displayName: z.string().trim().min(1).max(100),
        password: z.string().min(10, 'password: at least 10 characters').max(256),
        roles: z.array(z.string().max(32)).min(1).max(10),
      }),
    ),
  },
  responses: { 200: json(StaffRow, 'Created'), ...standardErrors },
});
const listRolesRoute = route('staff.admin', {
  method: 'get',
  path: '/roles',
  operationId: 'listRoles',
  tags: ['admin'],
  responses: {
    200: json(
      z.object({
        roles: z.array(
          z.object({
            id: z.string(),
            code: z.string(),
            nameJa: z.string(),
            nameEn: z.string(),
            permissions: z.array(z.string()),
          }),
        ),
      }),
      'Roles',
    ),
    ...standardErrors,
  },
});
const oplogRoute = route('oplog.read', {
  method: 'get',
  path: '/oplog',
  operationId: 'listOperations',
  tags: ['admin'],
  summary: '操作ログ / operation log',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      before: z.coerce.number().int().positive().optional(),
    }),
  },
  responses: {
    200: json(
      z.object({
        entries: z.array(
          z.object({
            seq: z.number(),
            at: z.string(),
            staffLoginId: z.string().nullable(),
            actorKind: z.enum(['staff', 'patron', 'system', 'anonymous']).nullable(),
            actorPatronId: z.string().nullable(),
            action: z.string(),
            targetType: z.string().nullable(),
            targetId: z.string().nullable(),
            workstation: z.string().nullable(),
            details: z.record(z.string(), z.unknown()),
          }),
        ),
      }),
      'Newest first',
    ),
    ...standardErrors,
  },
});

export const adminRoutes = () =>
  router()
    .openapi(listStaffRoute, async (c) => c.json({ staff: await listStaff(c.get('ctx')) }, 200))
    .openapi(createStaffRoute, async (c) => c.json(await createStaff(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(listRolesRoute, async (c) => c.json({ roles: await listRoles(c.get('ctx')) }, 200))
    .openapi(oplogRoute, async (c) =>
      c.json({ entries: await listOperations(c.get('ctx'), c.req.valid('query')) }, 200),
    );
