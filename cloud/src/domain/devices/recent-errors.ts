/** One thing that went wrong at an agent, as the fleet page lists it. Never personal data. */
export type FleetError = {
  at: string;
  /** a device key, or `agent` for the agent itself */
  source: string;
  /** a device status (paperEnd, coverOpen, error, offline), an agent error code, `jobFailed`, `offline` */
  code: string;
  message: string | null;
};

/**
 * The last few errors per agent, kept in the core's memory. Why not a table: these are short-lived
 * diagnostics (a paper end, a refused config) that the agent also logs; the durable facts (status,
 * last seen, device status) are in `agents`/`devices`, and Prometheus scrapes them for history and
 * alerting. A table would grow with every paper change and need its own retention; a core restart
 * forgetting the list costs IT nothing the status columns do not still show.
 */
export class RecentErrors {
  private readonly byAgent = new Map<string, FleetError[]>();

  constructor(private readonly perAgent = 20) {}

  add(tenantId: string, agentId: string, e: FleetError): void {
    const key = `${tenantId}/${agentId}`;
    const list = this.byAgent.get(key) ?? [];
    list.unshift(e);
    if (list.length > this.perAgent) list.length = this.perAgent;
    this.byAgent.set(key, list);
  }

  /** newest first */
  list(tenantId: string, agentId: string): FleetError[] {
    return [...(this.byAgent.get(`${tenantId}/${agentId}`) ?? [])];
  }
}
