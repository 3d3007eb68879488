import { type OfflineDown, OfflineUp } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { agents } from '../../db/schema/index.ts';
import { systemCtx } from '../context.ts';
import { AppError } from '../errors.ts';
import { loggableError } from '../loggable-error.ts';
import { offlinePackage } from './build-package.ts';
import { replayOfflineOperations } from './replay.ts';

/**
 * The core's side of the bookmobile agent's `offline` topic. The broker has already confined the
 * agent to its own topics; here the agent must be registered at the bookmobile it asks about
 * (`agents.location_id`), so no other agent can fetch the block list or replay loans.
 */
export class OfflineLink {
  constructor(private readonly deps: { db: Db; logger: Logger; now?: () => Date }) {}

  /** Answer one message; undefined when it is not worth an answer (not JSON of ours, no request id). */
  async handle(tenantId: string, agentId: string, body: unknown): Promise<OfflineDown | undefined> {
    const parsed = OfflineUp.safeParse(body);
    const requestId = (body as { requestId?: unknown } | null)?.requestId;
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
      this.deps.logger.warn({ agentId, fields }, 'offline message refused');
      return typeof requestId === 'string' && requestId.length <= 64
        ? { type: 'error', requestId, code: 'validation', message: `invalid fields: ${fields.join(', ')}` }
        : undefined;
    }
    const msg = parsed.data;
    try {
      const [agent] = await this.deps.db
        .select({ locationId: agents.locationId })
        .from(agents)
        .where(and(eq(agents.tenantId, tenantId), eq(agents.id, agentId)));
      if (!agent?.locationId) throw new AppError('forbidden', 'the agent is not registered at a bookmobile');
      const ctx = systemCtx(this.deps.db, tenantId, `offline:${agentId}`, this.deps.now);
      if (msg.type === 'packageRequest') {
        if (msg.bookmobileId !== agent.locationId)
          throw new AppError('forbidden', 'not this agent’s bookmobile');
        const pkg = await offlinePackage(ctx, {
          bookmobileId: msg.bookmobileId,
          haveVersion: msg.haveVersion,
        });
        return { type: 'package', requestId: msg.requestId, package: pkg };
      }
      const results = await replayOfflineOperations(ctx, { agentId, sentAt: msg.sentAt, ops: msg.ops });
      return { type: 'replayResult', requestId: msg.requestId, results };
    } catch (err) {
      if (err instanceof AppError)
        return { type: 'error', requestId: msg.requestId, code: err.code, message: err.message };
      this.deps.logger.error({ err: loggableError(err), agentId }, 'offline message failed');
      // no answer: the agent keeps its journal and asks again
      return undefined;
    }
  }
}
