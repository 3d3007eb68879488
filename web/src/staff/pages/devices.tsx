import { createSignal, For, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, type MessageKey, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert, problemText } from '../components/problem-alert.tsx';
import { can } from '../session.ts';

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
  const { data, problem } = createLoad(loadAgents);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.devices')}</h1>
      <ProblemAlert problem={problem()} />
      <Show when={data()}>
        {(d) => (
          <Show when={d().agents.length > 0} fallback={<p class="notice">{t('devices.none')}</p>}>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('devices.name')}</th>
                    <th scope="col">{t('devices.code')}</th>
                    <th scope="col">{t('devices.status')}</th>
                    <th scope="col">{t('devices.lastSeen')}</th>
                    <th scope="col">{t('devices.version')}</th>
                    <th scope="col">{t('devices.devices')}</th>
                    <Show when={can('devices.operate')}>
                      <th scope="col">{t('devices.ping')}</th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={d().agents}>{(agent) => <AgentRowView agent={agent} />}</For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
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
        <ul class="plain">
          <For each={props.agent.devices}>
            {(dev) => (
              <li>
                {dev.deviceKey} <span class="muted">({dev.profile})</span>
              </li>
            )}
          </For>
        </ul>
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
