import { createSignal, For, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, t } from '../../i18n/index.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';

type FleetAgent = {
  id: string;
  code: string;
  nameJa: string;
  configHash: string | null;
  startedAt: string | null;
  recentErrors: { at: string; source: string; code: string; message: string | null }[];
};

/** The config hash as IT compares it: the first 12 hex digits, the whole one on hover. */
export function ConfigHash(props: { hash: string | null }) {
  return (
    <span class="mono" title={props.hash ?? undefined}>
      {props.hash ? props.hash.slice(0, 12) : '—'}
    </span>
  );
}

/** The newest error of an agent and how many are kept, for the agents table. */
export function LatestError(props: { errors: FleetAgent['recentErrors'] }) {
  return (
    <Show when={props.errors[0]} fallback={<span class="muted">{t('fleet.noErrors')}</span>}>
      {(e) => (
        <span title={e().message ?? undefined}>
          {formatDateTime(e().at)} {e().source}: {e().code}
          <Show when={props.errors.length > 1}> {t('fleet.moreErrors', { n: props.errors.length - 1 })}</Show>
        </span>
      )}
    </Show>
  );
}

/**
 * 機器監視 (IT, devices.admin): per agent, its recent errors, a remote restart, and pushing a changed
 * config (device profiles, transports) that the agent validates, writes and applies by restarting.
 */
export function FleetPanel(props: { agents: FleetAgent[]; reload: () => void }) {
  return (
    <section aria-labelledby="fleet-title">
      <h2 id="fleet-title">{t('fleet.title')}</h2>
      {/* keyed by id: a reload brings new objects, and an open panel keeps its answer and form */}
      <For each={props.agents.map((a) => a.id)}>
        {(id) => <FleetAgentView agent={props.agents.find((a) => a.id === id)!} reload={props.reload} />}
      </For>
    </section>
  );
}

function FleetAgentView(props: { agent: FleetAgent; reload: () => void }) {
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [done, setDone] = createSignal('');
  const [text, setText] = createSignal('');
  const id = () => `fleet-config-${props.agent.id}`;
  const act = async (run: () => Promise<string>) => {
    setBusy(true);
    setProblem(null);
    setDone('');
    try {
      setDone(await run());
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
      props.reload(); // a refusal is listed among the recent errors too
    }
  };
  const restart = () => {
    if (!window.confirm(t('fleet.restartConfirm', { name: props.agent.nameJa }))) return;
    void act(async () => {
      await call(api.agents[':id'].restart.$post({ param: { id: props.agent.id } }));
      return t('fleet.restarting');
    });
  };
  const push = (ev: SubmitEvent) => {
    ev.preventDefault();
    let config: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      config = parsed as Record<string, unknown>;
    } catch {
      setProblem({
        status: 400,
        code: 'validation',
        messageJa: null,
        messageEn: null,
        requestId: null,
        issues: [{ path: '(config)', message: t('fleet.notJson') }],
      });
      return;
    }
    void act(async () => {
      const r = await call(
        api.agents[':id'].config.$post({ param: { id: props.agent.id }, json: { config } }),
      );
      return t('fleet.configPushed', { hash: r.configHash.slice(0, 12) });
    });
  };
  return (
    <details class="fleet-agent">
      <summary>
        {props.agent.nameJa} <span class="mono muted">({props.agent.code})</span>
      </summary>
      <dl class="fields">
        <dt>{t('fleet.configHash')}</dt>
        <dd>
          <ConfigHash hash={props.agent.configHash} />
        </dd>
        <dt>{t('fleet.startedAt')}</dt>
        <dd>{props.agent.startedAt ? formatDateTime(props.agent.startedAt) : '—'}</dd>
      </dl>
      <h3>{t('fleet.recentErrors')}</h3>
      <Show when={props.agent.recentErrors.length > 0} fallback={<p class="muted">{t('fleet.noErrors')}</p>}>
        <ul class="plain">
          <For each={props.agent.recentErrors}>
            {(e) => (
              <li>
                {formatDateTime(e.at)} <span class="mono">{e.source}</span> {e.code}
                {e.message ? ` — ${e.message}` : ''}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <ProblemAlert problem={problem()} />
      <Show when={problem()?.issues}>
        {(issues) => (
          <ul class="plain issues" data-testid="fleet-issues">
            <For each={issues()}>
              {(i) => (
                <li>
                  <span class="mono">{i.path}</span>: {i.message}
                </li>
              )}
            </For>
          </ul>
        )}
      </Show>
      <output aria-live="polite">{done()}</output>
      <p>
        <button type="button" disabled={busy()} onClick={restart}>
          {t('fleet.restart')}
        </button>
      </p>
      <form onSubmit={push}>
        <label for={id()}>{t('fleet.configLabel')}</label>
        <p class="hint" id={`${id()}-hint`}>
          {t('fleet.configHint')}
        </p>
        <textarea
          id={id()}
          rows={10}
          class="mono"
          aria-describedby={`${id()}-hint`}
          value={text()}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy() || text().trim() === ''}>
          {t('fleet.push')}
        </button>
      </form>
    </details>
  );
}
