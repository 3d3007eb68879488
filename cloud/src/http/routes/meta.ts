import { z } from '@hono/zod-openapi';
import { dashboard } from '../../domain/meta/dashboard.ts';
import { listReferenceData } from '../../domain/meta/list-reference-data.ts';
import type { AppDeps } from '../env.ts';
import { json, route, router, standardErrors } from '../route.ts';

const Named = z.object({ id: z.string(), code: z.string(), nameJa: z.string(), nameEn: z.string() });

const publicConfigRoute = route('public', {
  method: 'get',
  path: '/public/config',
  operationId: 'getPublicConfig',
  tags: ['meta'],
  summary: 'What the login page needs to know',
  responses: {
    200: json(
      z.object({
        defaultTenant: z.string().nullable(),
        demo: z.boolean(),
        demoLogins: z
          .array(z.object({ loginId: z.string(), password: z.string(), roleJa: z.string() }))
          .optional(),
      }),
      'Public settings',
    ),
  },
});
const referenceRoute = route('session', {
  method: 'get',
  path: '/reference',
  operationId: 'getReferenceData',
  tags: ['meta'],
  responses: {
    200: json(
      z.object({
        locations: z.array(Named.extend({ kind: z.string(), parentId: z.string().nullable() })),
        patronCategories: z.array(Named),
        materialTypes: z.array(Named.extend({ isAv: z.boolean() })),
      }),
      'Locations, patron categories and material types',
    ),
    ...standardErrors,
  },
});
const dashboardRoute = route('session', {
  method: 'get',
  path: '/dashboard',
  operationId: 'getDashboard',
  tags: ['meta'],
  responses: {
    200: json(
      z.object({
        counts: z.object({
          bibs: z.number(),
          items: z.number(),
          patrons: z.number(),
          activeLoans: z.number(),
          holds: z.number(),
          agentsOnline: z.number(),
          agentsTotal: z.number(),
        }),
      }),
      'Home screen figures',
    ),
    ...standardErrors,
  },
});

export const metaRoutes = (deps: AppDeps) =>
  router()
    .openapi(publicConfigRoute, (c) =>
      c.json(deps.publicConfig?.() ?? { defaultTenant: null, demo: false }, 200),
    )
    .openapi(referenceRoute, async (c) => c.json(await listReferenceData(c.get('ctx')), 200))
    .openapi(dashboardRoute, async (c) => c.json(await dashboard(c.get('ctx')), 200));
