import { barcodeMarker } from '@bunko/protocols/escpos-decode';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, type MessageKey, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { Nw7Barcode } from '../components/nw7-barcode.tsx';
import { ProblemAlert, problemText } from '../components/problem-alert.tsx';
import { RowsTable } from '../components/rows-table.tsx';
import { can } from '../session.ts';
import { ConfigHash, FleetPanel, LatestError } from './fleet-panel.tsx';

type AgentRow = Awaited<ReturnType<typeof loadAgents>>['agents'][number];
const loadAgents = () => call(api.agents.$get());

const statusLabel = (status: string): MessageKey =>
  status === 'online'
    ? 'devices.status.online'
    : status === 'offline'
      ? 'devices.status.offline'
      : 'devices.status.unknown';

type PingState = { busy: true } | { busy: false; ms: number } | { busy: false; problem: ProblemInfo };

/** 端末: the edge agents with their devices, and a ping that goes core → MQTT → agent and back. */
export function Devices() {
  const { data, problem, refetch } = createLoad(loadAgents);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.devices')}</h1>
      <ProblemAlert problem={problem()} />
      <Show when={data()}>
        {(d) => (
          <>
            <RowsTable
              rows={d().agents}
              none={t('devices.none')}
              head={
                <>
                  <th scope="col">{t('devices.name')}</th>
                  <th scope="col">{t('devices.code')}</th>
                  <th scope="col">{t('devices.status')}</th>
                  <th scope="col">{t('devices.lastSeen')}</th>
                  <th scope="col">{t('devices.version')}</th>
                  <th scope="col">{t('fleet.configHash')}</th>
                  <th scope="col">{t('devices.devices')}</th>
                  <th scope="col">{t('fleet.recentErrors')}</th>
                  <Show when={can('devices.operate')}>
                    <th scope="col">{t('devices.ping')}</th>
                  </Show>
                </>
              }
              row={(agent) => <AgentRowView agent={agent} />}
            />
            <Show when={d().agents.length > 0 && can('devices.admin')}>
              <FleetPanel agents={d().agents} reload={() => void refetch()} />
            </Show>
          </>
        )}
      </Show>
      <PrintJobList />
      <DemoPrints />
    </section>
  );
}

function AgentRowView(props: { agent: AgentRow }) {
  const [ping, setPing] = createSignal<PingState | null>(null);
  const doPing = async () => {
    setPing({ busy: true });
    try {
      const r = await call(api.agents[':id'].ping.$post({ param: { id: props.agent.id } }));
      setPing({ busy: false, ms: r.latencyMs });
    } catch (err) {
      setPing({ busy: false, problem: asProblem(err) });
    }
  };
  const pingText = () => {
    const p = ping();
    if (!p || p.busy) return '';
    return 'ms' in p ? t('devices.pingResult', { ms: p.ms }) : problemText(p.problem);
  };
  return (
    <tr>
      <th scope="row">{props.agent.nameJa}</th>
      <td class="mono">{props.agent.code}</td>
      <td>
        <span class={`badge badge-${props.agent.status}`}>{t(statusLabel(props.agent.status))}</span>
      </td>
      <td>{props.agent.lastSeenAt ? formatDateTime(props.agent.lastSeenAt) : '—'}</td>
      <td>{props.agent.version ?? '—'}</td>
      <td>
        <ConfigHash hash={props.agent.configHash} />
      </td>
      <td>
        <ul class="plain">
          <For each={props.agent.devices}>
            {(dev) => (
              <li>
                {dev.deviceKey} <span class="muted">({dev.profile})</span>{' '}
                <DeviceStatusBadge status={dev.status} detail={dev.detail} />
              </li>
            )}
          </For>
        </ul>
      </td>
      <td>
        <LatestError errors={props.agent.recentErrors} />
      </td>
      <Show when={can('devices.operate')}>
        <td class="ping-cell">
          <button
            type="button"
            class="button-quiet"
            disabled={ping()?.busy === true}
            aria-label={`${t('devices.ping')}: ${props.agent.nameJa}`}
            onClick={doPing}
          >
            {ping()?.busy ? t('devices.pinging') : t('devices.ping')}
          </button>
          <output
            class="ping-result"
            classList={{ 'is-error': !!ping() && 'problem' in ping()! }}
            aria-live="polite"
          >
            {pingText()}
          </output>
        </td>
      </Show>
    </tr>
  );
}

const DEVICE_STATUSES = ['ok', 'error', 'offline', 'paperEnd', 'coverOpen'] as const;

/** A device's own status (paper end, cover open …), with what it said as the tooltip. */
function DeviceStatusBadge(props: { status: string; detail: string | null }) {
  const known = () => (DEVICE_STATUSES as readonly string[]).includes(props.status);
  return (
    <span
      class={`badge badge-device-${props.status}`}
      title={props.detail ?? undefined}
      data-device-status={props.status}
    >
      {known() ? t(`devices.deviceStatus.${props.status}` as MessageKey) : props.status}
    </span>
  );
}

const loadPrintJobs = () => call(api['print-jobs'].$get({ query: { limit: '30' } }));

/** Reason codes the core and the agent put before a job's reason (`code: detail`), shown in the UI's language. */
const REASON_CODES = new Set([
  'waitingForAgent',
  'waitingInLine',
  'agentOffline',
  'agentNotBack',
  'noAnswer',
  'agentLost',
  'printInterrupted',
  'printerNotReady',
  'printerUnreachable',
  'printerTimeout',
  'printFailed',
  'printer',
  'unknownDevice',
  'notAPrinter',
]);

/** A job's reason as staff read it: a known code in words (with the printer's own detail), else as it came. */
export function jobReasonText(reason: string | null): string {
  if (!reason) return '';
  const m = /^(\w+):\s*([\s\S]*)$/.exec(reason);
  if (!m || !REASON_CODES.has(m[1]!)) return reason;
  return t(`printJobs.reason.${m[1]}` as MessageKey, { detail: m[2]!.trim() || '—' });
}

/** 印刷ジョブ: the latest jobs and where each is (queued, printing, done, failed with its reason, expired). */
function PrintJobList() {
  const { data } = createLoad(loadPrintJobs);
  return (
    <section aria-labelledby="print-jobs-title">
      <h2 id="print-jobs-title">{t('printJobs.title')}</h2>
      <Show when={data()}>
        {(d) => (
          <RowsTable
            rows={d().jobs}
            none={t('printJobs.none')}
            head={
              <>
                <th scope="col">{t('printJobs.createdAt')}</th>
                <th scope="col">{t('printJobs.document')}</th>
                <th scope="col">{t('printJobs.device')}</th>
                <th scope="col">{t('printJobs.state')}</th>
                <th scope="col">{t('printJobs.reason')}</th>
              </>
            }
            row={(job) => (
              <tr>
                <td>{formatDateTime(job.createdAt)}</td>
                <td class="mono">{job.document}</td>
                <td class="mono">{job.deviceKey}</td>
                <td>
                  <span class={`badge badge-job-${job.state}`} data-job-state={job.state}>
                    {t(`printJobs.state.${job.state}` as MessageKey)}
                  </span>
                </td>
                <td title={job.reason ?? undefined} data-job-reason={job.reason?.split(':')[0]}>
                  {jobReasonText(job.reason)}
                </td>
              </tr>
            )}
          />
        )}
      </Show>
    </section>
  );
}

const loadDemoPrints = () => call(api.demo.prints.$get({ query: { limit: '5' } }));
type PaperLine = Awaited<ReturnType<typeof loadDemoPrints>>['prints'][number]['lines'][number];

/** an NW-7 symbol the bars component can draw (start and stop characters included) */
const DRAWABLE_NW7 = /^[A-D][0-9\-$:/.+]*[A-D]$/;

/** One printed line: text in its justification and size, a barcode (drawn when NW-7), a cut. */
function Paper(props: { lines: PaperLine[] }) {
  return (
    <div class="virtual-paper">
      <For each={props.lines}>
        {(line) => (
          <Switch>
            <Match when={line.type === 'text' && line}>
              {(l) => (
                <div class={`paper-line paper-${l().align}`} classList={{ bold: l().bold, large: l().large }}>
                  {l().text || '\u00a0'}
                </div>
              )}
            </Match>
            <Match when={line.type === 'barcode' && line}>
              {(b) => (
                <div class="paper-line paper-center paper-barcode">
                  <Show when={b().symbology === 'nw7' && DRAWABLE_NW7.test(b().data)}>
                    <Nw7Barcode text={b().data} label={barcodeMarker(b())} height={40} />
                  </Show>
                  <div>{barcodeMarker(b())}</div>
                </div>
              )}
            </Match>
            <Match when={line.type === 'cut'}>
              <hr class="paper-cut" aria-label={t('demoPrints.cut')} />
            </Match>
          </Switch>
        )}
      </For>
    </div>
  );
}

/**
 * 仮想プリンタの出力 (demo only): the paper the demo agent's virtual receipt and label printers
 * produced, newest first, decoded from the ESC/POS bytes they were sent.
 */
function DemoPrints() {
  const { data, problem, refetch } = createLoad(loadDemoPrints);
  return (
    <Show when={data()?.available}>
      <section aria-labelledby="demo-prints-title">
        <h2 id="demo-prints-title">{t('demoPrints.title')}</h2>
        <p class="hint">{t('demoPrints.intro')}</p>
        <p>
          <button type="button" class="button-quiet" onClick={() => void refetch()}>
            {t('demoPrints.reload')}
          </button>
        </p>
        <ProblemAlert problem={problem()} />
        <Show when={(data()?.prints.length ?? 0) > 0} fallback={<p class="notice">{t('demoPrints.none')}</p>}>
          <div class="virtual-prints">
            <For each={data()?.prints ?? []}>
              {(p) => (
                <figure class="virtual-print">
                  <figcaption>
                    <span class="mono">{p.deviceKey}</span> {formatDateTime(p.printedAt)}
                  </figcaption>
                  <Paper lines={p.lines} />
                </figure>
              )}
            </For>
          </div>
        </Show>
      </section>
    </Show>
  );
}
