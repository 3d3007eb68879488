import { randomUUID } from 'node:crypto';
import { StocktakeBatchEvent } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { AgentPort } from '../../broker/agent-bridge.ts';
import type { Db } from '../../db/client.ts';
import type { Ctx } from '../context.ts';
import { loggableError } from '../loggable-error.ts';
import { type IngestOutcome, ingestBatch } from './ingest.ts';

const isUuid = (s: string) => /^[0-9a-f-]{36}$/i.test(s);

/**
 * Stock-take batches from the agents (the bridge hands over `stocktakeBatch` events): each is
 * counted once in the open session and answered with a `stocktakeAck`, after which the agent
 * clears it (and moves a drop-folder file to `processed/`). A lost ack is harmless: the agent
 * sends the batch again and gets `duplicate`.
 */
export class StocktakeIntake {
  private readonly log: Logger;

  constructor(
    private readonly deps: { db: Db; logger: Logger; agents: () => AgentPort | undefined; now?: () => Date },
  ) {
    this.log = deps.logger.child({ ns: 'stocktake' });
  }

  async handleBatch(tenantId: string, agentId: string, body: unknown): Promise<IngestOutcome | 'invalid'> {
    const parsed = StocktakeBatchEvent.safeParse(body);
    if (!parsed.success || !isUuid(tenantId) || !isUuid(agentId)) {
      const fields = parsed.success
        ? []
        : parsed.error.issues.slice(0, 10).map((i) => i.path.join('.') || '(root)');
      this.log.warn({ agentId, fields }, 'invalid stock-take batch ignored');
      return 'invalid';
    }
    const b = parsed.data;
    const ctx: Ctx = {
      db: this.deps.db,
      tenantId,
      staff: null,
      workstation: null,
      requestId: `agent:${agentId}:${b.batchId.slice(0, 16)}`,
      now: this.deps.now ?? (() => new Date()),
      system: true,
    };
    let outcome: IngestOutcome;
    try {
      outcome = await ingestBatch(ctx, {
        batchId: b.batchId,
        terminalId: b.terminalId,
        origin: b.source,
        scans: b.scans,
        rejected: b.rejectedLines,
        rejectedCount: b.rejectedCount,
        collectedAt: b.collectedAt,
        source: 'agent',
        agentId,
        deviceKey: b.deviceId,
      });
    } catch (err) {
      // not answered: the agent keeps the batch and sends it again after a reconnect
      this.log.error({ agentId, batchId: b.batchId, err: loggableError(err) }, 'stock-take batch not stored');
      throw err;
    }
    this.log.info(
      { agentId, batchId: b.batchId, status: outcome.status, scans: b.scans.length },
      'stock-take batch',
    );
    const port = this.deps.agents();
    port
      ?.request(tenantId, agentId, {
        transaction: randomUUID(),
        action: 'stocktakeAck',
        batchId: b.batchId,
        status: outcome.status,
        ...(outcome.status === 'rejected' ? { reason: outcome.reason } : {}),
      })
      .catch((err: Error) =>
        this.log.warn({ agentId, batchId: b.batchId, err: err.message }, 'ack not answered'),
      );
    return outcome;
  }
}
