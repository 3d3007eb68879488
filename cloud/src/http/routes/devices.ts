import { z } from '@hono/zod-openapi';
import { listAgents, pingAgent, registerAgent } from '../../domain/devices/agents.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const AgentRow = z
  .object({
    id: z.string(),
    code: z.string(),
    nameJa: z.string(),
    status: z.string(),
    lastSeenAt: z.string().nullable(),
    version: z.string().nullable(),
    devices: z.array(
      z.object({ deviceKey: z.string(), kind: z.string(), profile: z.string(), status: z.string() }),
    ),
  })
  .openapi('Agent');

const listRoute = route('devices.read', {
  method: 'get',
  path: '/agents',
  operationId: 'listAgents',
  tags: ['devices'],
  responses: {
    200: json(z.object({ agents: z.array(AgentRow) }), 'Agents and their devices'),
    ...standardErrors,
  },
});
const registerRoute = route('devices.admin', {
  method: 'post',
  path: '/agents',
  operationId: 'registerAgent',
  tags: ['devices'],
  request: {
    body: jsonBody(
      z.object({
        code: z.string().regex(/^[a-z0-9-]{2,40}$/, 'code: 2–40 of a-z 0-9 -'),
        nameJa: z.string().trim().min(1).max(100),
        locationId: z.uuid().optional(),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({
        id: z.string(),
        code: z.string(),
        tenantId: z.string(),
        mqttUsername: z.string(),
        mqttPassword: z.string(),
      }),
      'Registered; the MQTT password is shown only now',
    ),
    ...standardErrors,
  },
});
const pingRoute = route('devices.operate', {
  method: 'post',
  path: '/agents/{id}/ping',
  operationId: 'pingAgent',
  tags: ['devices'],
  request: { params: IdParam },
  responses: { 200: json(z.object({ latencyMs: z.number() }), 'Round trip through MQTT'), ...standardErrors },
});

export const deviceRoutes = (deps: AppDeps) =>
  router()
    .openapi(listRoute, async (c) => c.json({ agents: await listAgents(c.get('ctx')) }, 200))
    .openapi(registerRoute, async (c) => c.json(await registerAgent(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(pingRoute, async (c) =>
      c.json(await pingAgent(c.get('ctx'), deps.agents, c.req.valid('param').id), 200),
    );
