import { z } from '@hono/zod-openapi';
import { listDemoPrints } from '../../demo/demo-prints.ts';
import { listAgents, pingAgent, registerAgent } from '../../domain/devices/agents.ts';
import { pushAgentConfig, restartAgent } from '../../domain/devices/fleet.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

/** one printed line of a virtual printout (protocols/src/escpos-decode.ts PaperLine) */
const PaperLine = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string(),
    align: z.enum(['left', 'center', 'right']),
    bold: z.boolean(),
    large: z.boolean(),
  }),
  z.object({ type: z.literal('barcode'), symbology: z.enum(['nw7', 'code128', 'qr']), data: z.string() }),
  z.object({ type: z.literal('cut'), partial: z.boolean() }),
]);

const AgentRow = z
  .object({
    id: z.string(),
    code: z.string(),
    nameJa: z.string(),
    status: z.string(),
    lastSeenAt: z.string().nullable(),
    version: z.string().nullable(),
    host: z.string().nullable(),
    /** SHA-256 of the agent's config (without its secret), as the agent reported it */
    configHash: z.string().nullable(),
    /** when the agent process started, as it reported it */
    startedAt: z.string().nullable(),
    /** the last errors seen from this agent, newest first (kept in the core's memory) */
    recentErrors: z.array(
      z.object({ at: z.string(), source: z.string(), code: z.string(), message: z.string().nullable() }),
    ),
    devices: z.array(
      z.object({
        deviceKey: z.string(),
        kind: z.string(),
        profile: z.string(),
        status: z.string(),
        /** what the device last said about itself (paper end, cover open, …) */
        detail: z.string().nullable(),
      }),
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

const configureRoute = route('devices.admin', {
  method: 'post',
  path: '/agents/{id}/config',
  operationId: 'pushAgentConfig',
  tags: ['devices'],
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        /** the agent's whole config file; `mqtt.password` may be left out (the agent keeps its own) */
        config: z.record(z.string(), z.unknown()),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({ configHash: z.string() }),
      'Validated and written by the agent, which restarts to apply it',
    ),
    ...standardErrors,
  },
});
const restartRoute = route('devices.admin', {
  method: 'post',
  path: '/agents/{id}/restart',
  operationId: 'restartAgent',
  tags: ['devices'],
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({ restarting: z.boolean() }),
      'The agent is stopping; its service manager starts it again',
    ),
    ...standardErrors,
  },
});

const demoPrintsRoute = route('devices.read', {
  method: 'get',
  path: '/demo/prints',
  operationId: 'listDemoPrints',
  tags: ['devices'],
  summary: '仮想プリンタの出力 / what the demo agent’s virtual printers printed, newest first (demo only)',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) }) },
  responses: {
    200: json(
      z.object({
        /** false outside the demo (no virtual printers beside the core) */
        available: z.boolean(),
        prints: z.array(
          z.object({
            deviceKey: z.string(),
            file: z.string(),
            printedAt: z.string(),
            /** size of the ESC/POS job */
            bytes: z.number().int(),
            /** the paper, decoded from the ESC/POS bytes the printer got */
            lines: z.array(PaperLine),
            /** the same as plain text: barcodes as 「[NW-7 …]」, cuts as a dashed rule */
            text: z.string(),
          }),
        ),
      }),
      'The newest virtual printouts',
    ),
    ...standardErrors,
  },
});

export const deviceRoutes = (deps: AppDeps) =>
  router()
    .openapi(listRoute, async (c) => c.json({ agents: await listAgents(c.get('ctx'), deps.agents) }, 200))
    .openapi(registerRoute, async (c) => c.json(await registerAgent(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(pingRoute, async (c) =>
      c.json(await pingAgent(c.get('ctx'), deps.agents, c.req.valid('param').id), 200),
    )
    .openapi(configureRoute, async (c) =>
      c.json(
        await pushAgentConfig(c.get('ctx'), deps.agents, c.req.valid('param').id, c.req.valid('json').config),
        200,
      ),
    )
    .openapi(restartRoute, async (c) =>
      c.json(await restartAgent(c.get('ctx'), deps.agents, c.req.valid('param').id), 200),
    )
    .openapi(demoPrintsRoute, async (c) =>
      c.json(await listDemoPrints(c.get('ctx'), deps.demoPrints, c.req.valid('query').limit), 200),
    );
