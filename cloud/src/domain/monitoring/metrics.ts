import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';

/**
 * Prometheus text exposition (format 0.0.4) of the fleet and the service, read from the database
 * at scrape time: agents and devices as their agents last reported them, and a few service
 * gauges. Labels carry codes and ids, never personal data.
 */
type Sample = { labels: Record<string, string>; value: number };
type Family = { name: string; help: string; type: 'gauge' | 'counter'; samples: Sample[] };

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function renderPrometheus(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',');
      out.push(`${f.name}${labels ? `{${labels}}` : ''} ${Number.isFinite(s.value) ? s.value : 'NaN'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export async function collectMetrics(db: Db, now: Date): Promise<string> {
  const agentRows = resultRows<{
    tenant: string;
    agent: string;
    status: string;
    last_seen: string | null;
    version: string | null;
    config_hash: string | null;
    started_at: string | null;
  }>(
    await db.execute(sql`
      select t.code as tenant, a.code as agent, a.status, a.last_seen_at as last_seen, a.info->>'version' as version,
             a.info->>'configHash' as config_hash, a.info->>'startedAt' as started_at
      from agents a join tenants t on t.id = a.tenant_id order by t.code, a.code`),
  );
  const deviceRows = resultRows<{
    tenant: string;
    agent: string;
    device: string;
    kind: string;
    status: string;
  }>(
    await db.execute(sql`
      select t.code as tenant, a.code as agent, d.device_key as device, d.kind, d.status
      from devices d join agents a on a.id = d.agent_id join tenants t on t.id = d.tenant_id
      order by t.code, a.code, d.device_key`),
  );
  const loanRows = resultRows<{ tenant: string; active: number; overdue: number }>(
    await db.execute(sql`
      select t.code as tenant,
             count(l.id) filter (where l.returned_at is null)::int as active,
             count(l.id) filter (where l.returned_at is null and l.due_on < (now() at time zone 'Asia/Tokyo')::date)::int as overdue
      from tenants t left join loans l on l.tenant_id = t.id group by t.code order by t.code`),
  );
  const jobRows = resultRows<{ tenant: string; job: string; finished: string | null }>(
    await db.execute(sql`
      select t.code as tenant, j.job, max(j.finished_at) as finished
      from job_runs j join tenants t on t.id = j.tenant_id where j.finished_at is not null group by t.code, j.job`),
  );
  const seconds = (v: string | null) => (v ? new Date(v).getTime() / 1000 : Number.NaN);
  return renderPrometheus([
    {
      name: 'bunko_agent_up',
      help: 'Whether the edge agent is connected to the broker (1) or not (0).',
      type: 'gauge',
      samples: agentRows.map((a) => ({
        labels: { tenant: a.tenant, agent: a.agent, version: a.version ?? '' },
        value: a.status === 'online' ? 1 : 0,
      })),
    },
    {
      name: 'bunko_agent_last_seen_timestamp_seconds',
      help: 'When the agent last reported, as a Unix time.',
      type: 'gauge',
      samples: agentRows.map((a) => ({
        labels: { tenant: a.tenant, agent: a.agent },
        value: seconds(a.last_seen),
      })),
    },
    {
      name: 'bunko_agent_info',
      help: 'Always 1: the version and config hash (SHA-256, no secret) the agent last reported.',
      type: 'gauge',
      samples: agentRows.map((a) => ({
        labels: {
          tenant: a.tenant,
          agent: a.agent,
          version: a.version ?? '',
          config_hash: a.config_hash ?? '',
        },
        value: 1,
      })),
    },
    {
      name: 'bunko_agent_start_time_seconds',
      help: 'When the agent process last started, as a Unix time (a change means it restarted).',
      type: 'gauge',
      samples: agentRows.map((a) => ({
        labels: { tenant: a.tenant, agent: a.agent },
        value: seconds(a.started_at),
      })),
    },
    {
      name: 'bunko_device_ok',
      help: 'Whether the device reports ok (1) or a problem such as paperEnd, coverOpen, error, offline (0).',
      type: 'gauge',
      samples: deviceRows.map((d) => ({
        labels: { tenant: d.tenant, agent: d.agent, device: d.device, kind: d.kind, status: d.status },
        value: d.status === 'ok' ? 1 : 0,
      })),
    },
    {
      name: 'bunko_loans_active',
      help: 'Loans not yet returned.',
      type: 'gauge',
      samples: loanRows.map((l) => ({ labels: { tenant: l.tenant }, value: Number(l.active) })),
    },
    {
      name: 'bunko_loans_overdue',
      help: 'Loans past their due date (Japan time).',
      type: 'gauge',
      samples: loanRows.map((l) => ({ labels: { tenant: l.tenant }, value: Number(l.overdue) })),
    },
    {
      name: 'bunko_job_last_success_timestamp_seconds',
      help: 'When a scheduled job last finished, as a Unix time.',
      type: 'gauge',
      samples: jobRows.map((j) => ({ labels: { tenant: j.tenant, job: j.job }, value: seconds(j.finished) })),
    },
    {
      name: 'bunko_scrape_timestamp_seconds',
      help: 'When these figures were read.',
      type: 'gauge',
      samples: [{ labels: {}, value: now.getTime() / 1000 }],
    },
  ]);
}
