import type { RouteAccess } from '@bunko/protocols';
import { Problem } from '@bunko/protocols';
import { createRoute, OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from './env.ts';
import { problem, zodIssues } from './problem.ts';
import { requireAccess } from './session.ts';

const problemContent = { 'application/problem+json': { schema: Problem } };

/** Problem responses every route may give, declared once for the OpenAPI document. */
export const standardErrors = {
  400: { description: 'Invalid input', content: problemContent },
  401: { description: 'Not logged in', content: problemContent },
  403: { description: 'Missing permission', content: problemContent },
  404: { description: 'Not found', content: problemContent },
  409: { description: 'Conflict', content: problemContent },
} as const;

type Declared = Omit<RouteConfig, 'middleware'> & { operationId: string };

/**
 * Define a route that declares its access level: the permission check is attached as middleware and
 * recorded in the OpenAPI document as `x-permission`, which the permission-walk test reads.
 */
export function route<const R extends Declared>(access: RouteAccess, config: R) {
  return createRoute({
    ...config,
    middleware: [requireAccess(access)] as const,
    'x-permission': access,
    security: access === 'public' ? [] : access === 'patron' ? [{ patronSession: [] }] : [{ session: [] }],
  });
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** Every router shares one validation hook, so a bad input always gets the same problem details. */
export const router = () => {
  const r = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c as unknown as Context<AppEnv>, 'validation', { issues: zodIssues(result.error) });
      }
    },
  });
  const keep = routeFilter;
  if (keep) {
    const register = r.openapi;
    r.openapi = ((config: Parameters<typeof register>[0], ...rest: unknown[]) =>
      keep(config as DeclaredRoute)
        ? (register as (...a: unknown[]) => unknown)(config, ...rest)
        : r) as typeof register;
  }
  return r;
};

/** What a route declared, as the filter of a service built from a subset of the routes sees it. */
export type DeclaredRoute = {
  operationId?: string;
  method: string;
  path: string;
  'x-permission'?: RouteAccess;
};

let routeFilter: ((r: DeclaredRoute) => boolean) | null = null;

/**
 * Build routers (synchronously, e.g. `createApi(deps)`) registering only the routes `keep` accepts:
 * the others are neither served nor in the OpenAPI document. This is how the public service gets
 * exactly the core's 'public' routes, wherever they are declared, and the patron operations it
 * forwards. Router factories must call router() when invoked, not at module load.
 */
export function onlyRoutes<T>(keep: (r: DeclaredRoute) => boolean, build: () => T): T {
  const outer = routeFilter;
  routeFilter = keep;
  try {
    return build();
  } finally {
    routeFilter = outer;
  }
}
