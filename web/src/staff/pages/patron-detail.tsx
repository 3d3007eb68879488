import { A, useParams, useSearchParams } from '@solidjs/router';
import { createSignal, For, type JSX, onCleanup, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { lang, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { me } from '../session.ts';
import { type FullPatron, loadFullPatron, PatronEdit } from './patron-edit.tsx';
import { cardStatusLabel, statusLabel } from './patron-labels.ts';

type Full = NonNullable<FullPatron['full']>;

/**
 * 利用者情報: the minimum (name, category, status, cards, alerts) by default; the full record only on
 * request, with patrons.readFull, and each such view lands in the operation log. Card reissue,
 * loss, renewal, suspension, notes, 登録内容の変更, the temporary password and the 開示 file are here
 * for staff with the permissions. A temporary password is shown once and forgotten when the page goes.
 */
export function PatronDetail() {
  const params = useParams<{ id: string }>();
  const [search] = useSearchParams<{ registered?: string }>();
  const patron = createLoad(() => call(api.patrons[':id'].$get({ param: { id: params.id } })));
  const [full, setFull] = createSignal<Full | null>(null);
  const [fullRecord, setFullRecord] = createSignal<FullPatron | null>(null);
  const [editing, setEditing] = createSignal(false);
  const [temporary, setTemporary] = createSignal<string | null>(null);
  onCleanup(() => setTemporary(null));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [done, setDone] = createSignal<string | null>(search.registered ? t('patrons.done') : null);
  const can = (p: string) => me()?.permissions.includes(p) ?? false;
  const id = () => params.id;

  const act = async (run: () => Promise<string>) => {
    setProblem(null);
    setDone(null);
    try {
      setDone(await run());
      await patron.refetch();
      if (full()) await showFull();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  /** A quiet button that runs one request through `act`: its result line, or its refusal. */
  const ActButton = (props: { run: () => Promise<string>; children: JSX.Element }) => (
    <button type="button" class="button-quiet" onClick={() => void act(props.run)}>
      {props.children}
    </button>
  );
  const showFull = async () => {
    try {
      const record = await loadFullPatron(id());
      setFullRecord(record);
      setFull(record.full);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  const startEdit = async () => {
    setDone(null);
    if (!full()) await showFull();
    if (full()) setEditing(true);
  };
  const saved = async (fields: string[]) => {
    setEditing(false);
    setDone(fields.length ? t('patrons.edited', { count: String(fields.length) }) : t('patrons.editNothing'));
    await patron.refetch();
    await showFull();
  };
  const issuePassword = () => {
    if (!window.confirm(t('patrons.passwordConfirm'))) return;
    setTemporary(null);
    void act(async () => {
      const r = await call(api.patrons[':id'].password.$post({ param: { id: id() } }));
      setTemporary(r.temporaryPassword);
      return t('patrons.passwordIssued');
    });
  };
  const formValue = (e: SubmitEvent, name: string) =>
    String(new FormData(e.currentTarget as HTMLFormElement).get(name) ?? '').trim();

  const reissue: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const cardBarcode = formValue(e, 'card');
    void act(async () => {
      const r = await call(api.patrons[':id'].cards.$post({ param: { id: id() }, json: { cardBarcode } }));
      return t('patrons.reissued', { card: r.cardBarcode });
    });
  };
  const suspend: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const reason = formValue(e, 'reason');
    const until = formValue(e, 'until') || null;
    void act(async () => {
      await call(api.patrons[':id'].suspend.$post({ param: { id: id() }, json: { reason, until } }));
      return t('patrons.done');
    });
  };
  const addNote: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const text = formValue(e, 'text');
    const kind = formValue(e, 'kind') === 'alert' ? 'alert' : 'note';
    (e.currentTarget as HTMLFormElement).reset();
    void act(async () => {
      await call(api.patrons[':id'].notes.$post({ param: { id: id() }, json: { kind, text } }));
      return t('patrons.done');
    });
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/patrons">← {t('nav.patrons')}</A>
      </p>
      <h1 id="page-title">{t('patrons.detailTitle')}</h1>
      <ProblemAlert problem={problem() ?? patron.problem()} />
      <Show when={done()}>
        <p class="notice" role="status">
          {done()}
        </p>
      </Show>
      <Show when={patron.data()}>
        {(p) => (
          <>
            <dl class="card details">
              <div>
                <dt>{t('patrons.name')}</dt>
                <dd>
                  {p().name}
                  <span class="reading">{p().nameReading}</span>
                </dd>
              </div>
              <div>
                <dt>{t('patrons.category')}</dt>
                <dd>{lang() === 'en' ? p().category.nameEn : p().category.nameJa}</dd>
              </div>
              <div>
                <dt>{t('patrons.status')}</dt>
                <dd>{statusLabel(p().status)}</dd>
              </div>
              <div>
                <dt>{t('patrons.expiresOn')}</dt>
                <dd>{p().expiresOn}</dd>
              </div>
              <div>
                <dt>{t('patrons.cards')}</dt>
                <dd>
                  <ul class="plain">
                    <For each={p().cards}>
                      {(c) => (
                        <li>
                          <code>{c.barcode}</code> ({cardStatusLabel(c.status)})
                        </li>
                      )}
                    </For>
                  </ul>
                </dd>
              </div>
            </dl>
            <Show when={p().alerts.length}>
              <h2>{t('patrons.alerts')}</h2>
              <ul class="patron-alerts">
                <For each={p().alerts}>
                  {(a) => (
                    <li class="patron-alert patron-alert-warn">
                      {a.text}{' '}
                      <Show when={can('patrons.write')}>
                        <ActButton
                          run={async () => {
                            await call(
                              api.patrons[':id'].notes[':noteId'].close.$post({
                                param: { id: id(), noteId: a.id },
                              }),
                            );
                            return t('patrons.done');
                          }}
                        >
                          {t('patrons.closeNote')}
                        </ActButton>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </>
        )}
      </Show>

      <Show when={can('patrons.readFull') && !full()}>
        <p>
          <button type="button" class="button-quiet" onClick={() => void showFull()}>
            {t('patrons.showFull')}
          </button>
        </p>
      </Show>
      <Show when={full()}>
        {(f) => (
          <div class="card">
            <p class="hint">{t('patrons.fullLogged')}</p>
            <dl class="details">
              <div>
                <dt>{t('patrons.birthDate')}</dt>
                <dd>{f().birthDate ?? '—'}</dd>
              </div>
              <div>
                <dt>{t('patrons.address')}</dt>
                <dd>
                  {f().postalCode ? `〒${f().postalCode} ` : ''}
                  {f().address ?? '—'}
                </dd>
              </div>
              <div>
                <dt>{t('patrons.phone')}</dt>
                <dd>{f().phone ?? '—'}</dd>
              </div>
              <div>
                <dt>{t('patrons.email')}</dt>
                <dd>{f().email ?? '—'}</dd>
              </div>
              <div>
                <dt>{t('patrons.residency')}</dt>
                <dd>{f().residency}</dd>
              </div>
              <div>
                <dt>{t('patrons.guardian')}</dt>
                <dd>
                  <Show when={f().guardian} fallback="—">
                    {(g) => <A href={`/patrons/${g().id}`}>{g().name}</A>}
                  </Show>
                </dd>
              </div>
              <Show when={f().wards.length}>
                <div>
                  <dt>{t('patrons.wards')}</dt>
                  <dd>
                    <For each={f().wards}>{(w) => <A href={`/patrons/${w.id}`}>{w.name} </A>}</For>
                  </dd>
                </div>
              </Show>
              <Show when={f().suspensionReason}>
                <div>
                  <dt>{t('patrons.suspension')}</dt>
                  <dd>
                    {f().suspensionReason} {f().suspendedUntil ? `(〜${f().suspendedUntil})` : ''}
                  </dd>
                </div>
              </Show>
              <div>
                <dt>{t('patrons.registeredAt')}</dt>
                <dd>{f().registeredAt.slice(0, 10)}</dd>
              </div>
            </dl>
            <h2>{t('patrons.notes')}</h2>
            <ul class="plain">
              <For each={f().notes}>
                {(n) => (
                  <li>
                    [{n.kind === 'alert' ? t('patrons.alerts') : t('patrons.notes')}] {n.text}{' '}
                    <span class="muted">
                      {n.createdAt.slice(0, 10)}
                      {n.closedAt ? ` (${t('patrons.closed')})` : ''}
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </div>
        )}
      </Show>

      <Show when={can('patrons.write')}>
        <h2>{t('patrons.actions')}</h2>
        <div class="card">
          <form class="inline-form" onSubmit={reissue}>
            <div class="field grow">
              <label for="pd-card">{t('patrons.newCard')}</label>
              <input
                id="pd-card"
                name="card"
                inputMode="numeric"
                autocomplete="off"
                required
                maxLength={64}
              />
            </div>
            <button type="submit" class="button-primary">
              {t('patrons.reissue')}
            </button>
            <ActButton
              run={async () => {
                await call(api.patrons[':id'].cards.lost.$post({ param: { id: id() } }));
                return t('patrons.done');
              }}
            >
              {t('patrons.lost')}
            </ActButton>
            <ActButton
              run={async () => {
                const r = await call(api.patrons[':id'].renew.$post({ param: { id: id() } }));
                return t('patrons.renewed', { date: r.expiresOn });
              }}
            >
              {t('patrons.renew')}
            </ActButton>
          </form>
          <Show
            when={patron.data()?.status !== 'suspended'}
            fallback={
              <ActButton
                run={async () => {
                  await call(api.patrons[':id'].suspend.lift.$post({ param: { id: id() } }));
                  return t('patrons.done');
                }}
              >
                {t('patrons.liftSuspension')}
              </ActButton>
            }
          >
            <form class="inline-form" onSubmit={suspend}>
              <div class="field grow">
                <label for="pd-reason">{t('patrons.suspendReason')}</label>
                <input id="pd-reason" name="reason" required maxLength={500} />
              </div>
              <div class="field">
                <label for="pd-until">{t('patrons.suspendUntil')}</label>
                <input id="pd-until" name="until" type="date" />
              </div>
              <button type="submit" class="button-quiet">
                {t('patrons.suspend')}
              </button>
            </form>
          </Show>
          <form class="inline-form" onSubmit={addNote}>
            <div class="field">
              <label for="pd-kind">{t('patrons.noteKind')}</label>
              <select id="pd-kind" name="kind">
                <option value="alert">{t('patrons.kind.alert')}</option>
                <option value="note">{t('patrons.kind.note')}</option>
              </select>
            </div>
            <div class="field grow">
              <label for="pd-note">{t('patrons.noteText')}</label>
              <input id="pd-note" name="text" required maxLength={1000} />
            </div>
            <button type="submit" class="button-quiet">
              {t('patrons.addNote')}
            </button>
          </form>
        </div>
      </Show>

      <Show when={can('patrons.write') && can('patrons.readFull')}>
        <Show
          when={editing() && fullRecord()}
          fallback={
            <p>
              <button type="button" class="button-quiet" onClick={() => void startEdit()}>
                {t('patrons.edit')}
              </button>
            </p>
          }
        >
          {(record) => (
            <PatronEdit patron={record()} onSaved={(f) => void saved(f)} onCancel={() => setEditing(false)} />
          )}
        </Show>
      </Show>

      <Show when={can('patrons.write')}>
        <h2>{t('patrons.password')}</h2>
        <div class="card">
          <p class="hint">{t('patrons.passwordHint')}</p>
          <Show
            when={temporary()}
            fallback={
              <button type="button" class="button-quiet" onClick={issuePassword}>
                {t('patrons.passwordIssue')}
              </button>
            }
          >
            {(pw) => (
              <section class="temporary-password" aria-labelledby="tmp-pw-label">
                <p id="tmp-pw-label" class="temporary-password-label">
                  {t('patrons.passwordShownOnce')}
                </p>
                <p>
                  <output class="temporary-password-value" aria-labelledby="tmp-pw-label">
                    {pw()}
                  </output>
                </p>
                <button type="button" class="button-quiet" onClick={() => setTemporary(null)}>
                  {t('patrons.passwordClose')}
                </button>
              </section>
            )}
          </Show>
        </div>
      </Show>

      <Show when={can('patrons.export')}>
        <h2>{t('patrons.disclosure')}</h2>
        <p class="inline-form">
          <a class="button-quiet button-link" href={`/api/patrons/${id()}/disclosure`} download="">
            {t('patrons.disclosureJson')}
          </a>
          <a class="button-quiet button-link" href={`/api/patrons/${id()}/disclosure?format=csv`} download="">
            {t('patrons.disclosureCsv')}
          </a>
        </p>
      </Show>
    </section>
  );
}
