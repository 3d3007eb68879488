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
export const router = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c as unknown as Context<AppEnv>, 'validation', { issues: zodIssues(result.error) });
      }
    },
  });
