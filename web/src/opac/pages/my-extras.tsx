import { A } from '@solidjs/router';
import { createResource, createSignal, For, type JSX, onMount, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { lang } from '../../i18n/index.ts';
import { ProblemAlert } from '../../staff/components/problem-alert.tsx';
import { CardList } from '../card-list.tsx';
import { type ContactMethod, HoldChoices, holdChoicesOf } from '../hold-choices.tsx';
import { ot } from '../i18n.ts';
import { mt } from '../my-i18n.ts';
import { library, loadLibrary, usePageTitle } from '../state.ts';
import { useLoggedIn } from './my.tsx';

/** A page's result line (polite live region) and its error (alert); `act` runs one request. */
export function useFeedback(statusClass = 'notice-live') {
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [message, setMessage] = createSignal('');
  const act = async (fn: () => Promise<string>) => {
    setProblem(null);
    setMessage('');
    const from = document.activeElement;
    try {
      setMessage(await fn());
      // the pressed button went away with what it removed: continue from the top of the page
      if (from instanceof HTMLElement && !from.isConnected) document.getElementById('main')?.focus();
      return true;
    } catch (err) {
      setProblem(asProblem(err));
      return false;
    }
  };
  const Feedback = () => (
    <>
      <ProblemAlert problem={problem()} />
      <p role="status" aria-live="polite" class={statusClass}>
        {message()}
      </p>
    </>
  );
  return { act, Feedback };
}

const formText = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

const dayText = (iso: string) => {
  const d = new Date(iso);
  return lang() === 'en'
    ? d.toLocaleDateString('en-GB', { dateStyle: 'medium', timeZone: 'Asia/Tokyo' })
    : d.toLocaleDateString('ja-JP', { dateStyle: 'long', timeZone: 'Asia/Tokyo' });
};

/** Tomorrow in Tokyo as YYYY-MM-DD: the earliest day a hold can be paused until. */
const tomorrowInTokyo = () =>
  new Date(Date.now() + 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });

const BackToMy = () => (
  <p>
    <A href="/opac/my">{mt('myx.back')}</A>
  </p>
);

let focusAfterChange: string | null = null;

/** One hold's 一時停止 controls inside its card on マイページ. */
export function HoldSuspension(props: {
  holdId: string;
  title: string;
  suspendedUntil: string | null;
  act: (fn: () => Promise<string>) => Promise<unknown>;
  changed: () => void;
}) {
  const id = () => `suspend-${props.holdId}`;
  // the control that replaces the pressed one takes the focus, so keyboard users stay on this hold
  // (the list is drawn anew after the change, so the hold to focus is kept outside the component)
  const takeFocus = (el: HTMLElement) => {
    if (focusAfterChange !== props.holdId) return;
    focusAfterChange = null;
    queueMicrotask(() => el.focus());
  };
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const until = formText(new FormData(e.currentTarget), 'until');
    await props.act(async () => {
      await call(api.my.holds[':id'].suspend.$post({ param: { id: props.holdId }, json: { until } }));
      focusAfterChange = props.holdId;
      props.changed();
      return mt('suspend.done', { date: until });
    });
  };
  const resume = () =>
    props.act(async () => {
      await call(api.my.holds[':id'].resume.$post({ param: { id: props.holdId } }));
      focusAfterChange = props.holdId;
      props.changed();
      return mt('suspend.resumed');
    });
  return (
    <Show
      when={props.suspendedUntil}
      fallback={
        <form class="suspend-form" onSubmit={onSubmit}>
          <fieldset>
            <legend>
              {mt('suspend.legend')}
              <span class="visually-hidden">: {props.title}</span>
            </legend>
            <div class="field">
              <label for={id()}>{mt('suspend.until')}</label>
              <input id={id()} name="until" type="date" min={tomorrowInTokyo()} required ref={takeFocus} />
            </div>
            <button type="submit" class="button-secondary">
              {mt('suspend.submit')}
              <span class="visually-hidden">: {props.title}</span>
            </button>
          </fieldset>
        </form>
      }
    >
      {(until) => (
        <>
          <p class="suspended">
            <strong>{mt('suspend.state', { date: until() })}</strong>
          </p>
          <button type="button" class="button-secondary" onClick={() => void resume()} ref={takeFocus}>
            {mt('suspend.resume')}
            <span class="visually-hidden">: {props.title}</span>
          </button>
        </>
      )}
    </Show>
  );
}

/** 予約の変更: a waiting hold's pickup point and contact method, folded away in its card on マイページ. */
export function HoldChange(props: {
  holdId: string;
  title: string;
  pickupLocationId: string;
  contactMethod: ContactMethod;
  act: (fn: () => Promise<string>) => Promise<unknown>;
  changed: () => void;
}) {
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const json = holdChoicesOf(new FormData(e.currentTarget));
    await props.act(async () => {
      await call(api.my.holds[':id'].$patch({ param: { id: props.holdId }, json }));
      props.changed();
      return mt('holdChange.done');
    });
  };
  return (
    <details class="hold-change">
      <summary>
        {mt('holdChange.summary')}
        <span class="visually-hidden">: {props.title}</span>
      </summary>
      <form onSubmit={onSubmit}>
        <HoldChoices
          idPrefix={`change-${props.holdId}`}
          pickupLocationId={props.pickupLocationId}
          contactMethod={props.contactMethod}
        />
        <button type="submit" class="button-secondary">
          {mt('holdChange.submit')}
          <span class="visually-hidden">: {props.title}</span>
        </button>
      </form>
    </details>
  );
}

/** Links from マイページ to the pages below. */
export const MoreLinks = () => (
  <nav aria-labelledby="my-more-heading" class="my-more">
    <h2 id="my-more-heading">{mt('myx.more')}</h2>
    <ul class="my-links">
      <li>
        <A href="/opac/my/bookshelf">{mt('shelf.heading')}</A>
      </li>
      <li>
        <A href="/opac/my/history">{mt('history.heading')}</A>
      </li>
      <li>
        <A href="/opac/my/alerts">{mt('alerts.heading')}</A>
      </li>
      <li>
        <A href="/opac/my/contact">{mt('contact.heading')}</A>
      </li>
    </ul>
  </nav>
);

/**
 * 連絡先とお知らせ: e-mail, phone and whether notices go by e-mail. A new e-mail address is 確認待ち
 * until the link mailed to it is opened; notices keep going to the current one meanwhile.
 */
export function ContactPage() {
  usePageTitle(() => mt('contact.heading'));
  const ready = useLoggedIn('/opac/my/contact');
  const { act, Feedback } = useFeedback();
  const [contact, { mutate }] = createResource(ready, async () => call(api.my.contact.$get()));
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    await act(async () => {
      const email = formText(form, 'email');
      const phone = formText(form, 'phone');
      const before = contact()?.pendingEmail?.email ?? null;
      const r = await call(
        api.my.contact.$patch({
          json: { email: email || null, phone: phone || null, emailNotices: form.get('notices') === 'on' },
        }),
      );
      mutate(r);
      const waiting = r.pendingEmail?.email ?? null;
      return waiting && waiting !== before
        ? mt('contact.confirmSent', { email: waiting })
        : mt('contact.saved');
    });
  };
  const cancel = () =>
    act(async () => {
      mutate(await call(api.my.contact['email-change'].$delete()));
      return mt('contact.cancelled');
    });
  return (
    <section aria-labelledby="contact-heading" class="narrow">
      <h1 id="contact-heading">{mt('contact.heading')}</h1>
      <Feedback />
      <Show when={contact()} fallback={<p>{ot('opac.loading')}</p>}>
        {(c) => (
          <>
            <Show when={c().pendingEmail}>
              {(p) => (
                <section class="pending-email" aria-labelledby="pending-email-heading">
                  <h2 id="pending-email-heading">{mt('contact.pending')}</h2>
                  <p>{mt('contact.pendingExplain', { email: p().email, date: dayText(p().expiresAt) })}</p>
                  <p>{mt('contact.pendingCurrent', { email: c().email ?? mt('contact.noEmail') })}</p>
                  <button type="button" class="button-secondary" onClick={() => void cancel()}>
                    {mt('contact.cancel')}
                  </button>
                </section>
              )}
            </Show>
            <form onSubmit={onSubmit}>
              <div class="field">
                <label for="contact-email">{mt('contact.email')}</label>
                <input
                  id="contact-email"
                  name="email"
                  type="email"
                  autocomplete="email"
                  maxLength={254}
                  aria-describedby="contact-email-hint"
                  value={c().email ?? ''}
                />
                <p id="contact-email-hint" class="hint">
                  {mt('contact.emailHint')}
                </p>
              </div>
              <div class="field">
                <label for="contact-phone">{mt('contact.phone')}</label>
                <input
                  id="contact-phone"
                  name="phone"
                  type="tel"
                  autocomplete="tel"
                  maxLength={20}
                  value={c().phone ?? ''}
                />
              </div>
              <div class="field checkbox">
                <input id="contact-notices" name="notices" type="checkbox" checked={c().emailNotices} />
                <label for="contact-notices">{mt('contact.emailNotices')}</label>
              </div>
              <button type="submit" class="button-primary">
                {mt('contact.submit')}
              </button>
            </form>
          </>
        )}
      </Show>
      <BackToMy />
    </section>
  );
}

/** The link mailed to a new address: confirming it makes the address the one notices go to. */
export function ConfirmEmailPage() {
  return (
    <MailedLinkPage
      idPrefix="email-confirm"
      heading={() => mt('emailConfirm.heading')}
      intro={() => mt('emailConfirm.explain')}
      submitLabel={() => mt('emailConfirm.submit')}
      submit={async (token) => {
        await call(api.my.contact['email-confirm'].$post({ json: { token } }));
        return mt('emailConfirm.done');
      }}
      onward={{ href: '/opac/my/contact', label: () => mt('contact.heading') }}
    />
  );
}

/**
 * A page opened from a mailed one-time link. The token travels in the address's fragment, which
 * browsers never send, so it stays out of server logs; it is read once and cleared from the history.
 * Once the form has sent it, the page offers one link onwards (focused, for screen readers).
 */
function MailedLinkPage(props: {
  idPrefix: string;
  heading: () => string;
  intro?: () => string;
  submitLabel: () => string;
  submit: (token: string, form: HTMLFormElement) => Promise<string>;
  onward: { href: string; label: () => string };
  children?: JSX.Element;
}) {
  usePageTitle(props.heading);
  const { act, Feedback } = useFeedback();
  const [token, setToken] = createSignal<string | null>(null);
  const [done, setDone] = createSignal(false);
  onMount(() => {
    setToken(tokenFromFragment());
  });
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const ok = await act(() => props.submit(token()!, form));
    if (ok) setDone(true);
  };
  return (
    <section aria-labelledby={`${props.idPrefix}-heading`} class="narrow">
      <h1 id={`${props.idPrefix}-heading`}>{props.heading()}</h1>
      <Feedback />
      <Show when={token()} fallback={<p class="alert">{mt('reset.noToken')}</p>}>
        <Show
          when={!done()}
          fallback={
            <p>
              <A href={props.onward.href} ref={(el) => queueMicrotask(() => el.focus())}>
                {props.onward.label()}
              </A>
            </p>
          }
        >
          <Show when={props.intro}>{(intro) => <p>{intro()()}</p>}</Show>
          <form onSubmit={onSubmit}>
            {props.children}
            <button type="submit" class="button-primary">
              {props.submitLabel()}
            </button>
          </form>
        </Show>
      </Show>
    </section>
  );
}

/** A mailed link's token from the address's fragment, which is then cleared from the history. */
function tokenFromFragment() {
  const t = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash) history.replaceState(history.state, '', location.pathname);
  return t && /^[A-Za-z0-9_-]{16,128}$/.test(t) ? t : null;
}

/** 読書記録: opt in or out (out erases), and erase one entry or all. */
export function HistoryPage() {
  usePageTitle(() => mt('history.heading'));
  const ready = useLoggedIn('/opac/my/history');
  const { act, Feedback } = useFeedback();
  const [history, { refetch }] = createResource(ready, async () =>
    call(api.my['reading-history'].$get({ query: {} })),
  );
  const setOpt = (optIn: boolean) =>
    act(async () => {
      const r = await call(api.my['reading-history']['opt-in'].$put({ json: { optIn } }));
      await refetch();
      return r.optedIn ? mt('history.optedIn') : mt('history.optedOut', { n: r.erased });
    });
  const eraseAll = () =>
    act(async () => {
      const r = await call(api.my['reading-history'].$delete());
      await refetch();
      return mt('history.deleted', { n: r.erased });
    });
  const eraseOne = (loanId: string) =>
    act(async () => {
      const r = await call(api.my['reading-history'][':id'].$delete({ param: { id: loanId } }));
      await refetch();
      return mt('history.deleted', { n: r.erased });
    });
  return (
    <section aria-labelledby="history-heading" class="narrow">
      <h1 id="history-heading">{mt('history.heading')}</h1>
      <p>{mt('history.explain')}</p>
      <Feedback />
      <Show when={history()} fallback={<p>{ot('opac.loading')}</p>}>
        {(h) => (
          <>
            <p>
              <strong>{h().optedIn ? mt('history.on') : mt('history.off')}</strong>
            </p>
            <p>
              <Show
                when={h().optedIn}
                fallback={
                  <button type="button" class="button-primary" onClick={() => void setOpt(true)}>
                    {mt('history.optIn')}
                  </button>
                }
              >
                <button type="button" class="button-secondary" onClick={() => void setOpt(false)}>
                  {mt('history.optOut')}
                </button>
              </Show>
            </p>
            <Show when={h().optedIn}>
              <Show when={h().entries.length > 0} fallback={<p>{mt('history.none')}</p>}>
                <ul class="card-list">
                  <For each={h().entries}>
                    {(e) => (
                      <li class="card">
                        <h2 class="card-title">
                          <A href={`/opac/bib/${e.bibId}`}>{e.title}</A>
                        </h2>
                        <p>
                          {mt('history.returned')}: {dayText(e.returnedAt)}
                        </p>
                        <button
                          type="button"
                          class="button-secondary"
                          onClick={() => void eraseOne(e.loanId)}
                        >
                          {mt('history.deleteOne')}
                          <span class="visually-hidden">: {e.title}</span>
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
                <button type="button" class="button-secondary" onClick={() => void eraseAll()}>
                  {mt('history.deleteAll')}
                </button>
              </Show>
            </Show>
          </>
        )}
      </Show>
      <BackToMy />
    </section>
  );
}

/** マイ本棚: my lists; create, rename, delete; remove a title. */
export function BookshelfPage() {
  usePageTitle(() => mt('shelf.heading'));
  const ready = useLoggedIn('/opac/my/bookshelf');
  const { act, Feedback } = useFeedback();
  const [shelves, { refetch }] = createResource(
    ready,
    async () => (await call(api.my.bookshelves.$get())).lists,
  );
  const create: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const name = formText(new FormData(formEl), 'name');
    const ok = await act(async () => {
      const r = await call(api.my.bookshelves.$post({ json: { name } }));
      await refetch();
      return mt('shelf.created', { name: r.name });
    });
    if (ok) formEl.reset();
  };
  const rename =
    (id: string): JSX.EventHandler<HTMLFormElement, SubmitEvent> =>
    async (e) => {
      e.preventDefault();
      const name = formText(new FormData(e.currentTarget), 'name');
      await act(async () => {
        const r = await call(api.my.bookshelves[':id'].$patch({ param: { id }, json: { name } }));
        await refetch();
        return mt('shelf.renamed', { name: r.name });
      });
    };
  const remove = (id: string) =>
    act(async () => {
      await call(api.my.bookshelves[':id'].$delete({ param: { id } }));
      await refetch();
      return mt('shelf.deleted');
    });
  const removeTitle = (id: string, bibId: string) =>
    act(async () => {
      await call(api.my.bookshelves[':id'].bibs[':bibId'].$delete({ param: { id, bibId } }));
      await refetch();
      return mt('shelf.removed');
    });
  return (
    <section aria-labelledby="shelf-heading" class="narrow">
      <h1 id="shelf-heading">{mt('shelf.heading')}</h1>
      <Feedback />
      <form onSubmit={create}>
        <div class="field">
          <label for="shelf-new">{mt('shelf.newName')}</label>
          <input id="shelf-new" name="name" type="text" maxLength={50} required />
        </div>
        <button type="submit" class="button-primary">
          {mt('shelf.create')}
        </button>
      </form>
      <Show when={shelves()} fallback={<p>{ot('opac.loading')}</p>}>
        {(ls) => (
          <Show when={ls().length > 0} fallback={<p>{mt('shelf.none')}</p>}>
            <For each={ls()}>
              {(l) => (
                <section aria-labelledby={`shelf-${l.id}`} class="shelf">
                  <h2 id={`shelf-${l.id}`}>{l.name}</h2>
                  <Show when={l.entries.length > 0} fallback={<p>{mt('shelf.empty')}</p>}>
                    <ul class="card-list">
                      <For each={l.entries}>
                        {(e) => (
                          <li class="card">
                            <h3>
                              <A href={`/opac/bib/${e.bibId}`}>{e.title}</A>
                            </h3>
                            <button
                              type="button"
                              class="button-secondary"
                              onClick={() => void removeTitle(l.id, e.bibId)}
                            >
                              {mt('shelf.remove')}
                              <span class="visually-hidden">: {e.title}</span>
                            </button>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                  <form onSubmit={rename(l.id)} class="field-row">
                    <div class="field">
                      <label for={`rename-${l.id}`}>
                        {mt('shelf.renameTo')}
                        <span class="visually-hidden">: {l.name}</span>
                      </label>
                      <input id={`rename-${l.id}`} name="name" type="text" maxLength={50} required />
                    </div>
                    <button type="submit" class="button-secondary">
                      {mt('shelf.rename')}
                      <span class="visually-hidden">: {l.name}</span>
                    </button>
                  </form>
                  <button type="button" class="button-secondary" onClick={() => void remove(l.id)}>
                    {mt('shelf.delete')}
                    <span class="visually-hidden">: {l.name}</span>
                  </button>
                </section>
              )}
            </For>
          </Show>
        )}
      </Show>
      <BackToMy />
    </section>
  );
}

/** お気に入りに追加 on a record's page (logged in only): onto a chosen list, or a new お気に入り list. */
export function AddToBookshelf(props: { bibId: string }) {
  // not the page's own notice-live: the record page keeps one result line of its own
  const { act, Feedback } = useFeedback('shelf-notice');
  const [shelves, { refetch }] = createResource(async () => (await call(api.my.bookshelves.$get())).lists);
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const chosen = formText(new FormData(e.currentTarget), 'list');
    await act(async () => {
      const list =
        shelves()?.find((l) => l.id === chosen) ??
        (await call(api.my.bookshelves.$post({ json: { name: mt('shelf.defaultName') } })));
      await call(
        api.my.bookshelves[':id'].bibs[':bibId'].$put({ param: { id: list.id, bibId: props.bibId } }),
      );
      await refetch();
      return mt('shelf.added', { name: list.name });
    });
  };
  return (
    <form class="add-to-shelf" onSubmit={onSubmit}>
      <Show when={(shelves()?.length ?? 0) > 1}>
        <div class="field">
          <label for="shelf-choice">{mt('shelf.addTo')}</label>
          <select id="shelf-choice" name="list">
            <For each={shelves()}>{(l) => <option value={l.id}>{l.name}</option>}</For>
          </select>
        </div>
      </Show>
      <Show when={shelves()?.length === 1}>
        <input type="hidden" name="list" value={shelves()![0]!.id} />
      </Show>
      <button type="submit" class="button-secondary">
        {mt('shelf.add')}
      </button>
      <Feedback />
    </form>
  );
}

/** 新着お知らせ: alerts by keywords or an NDC class; add and delete. */
export function AlertsPage() {
  usePageTitle(() => mt('alerts.heading'));
  const ready = useLoggedIn('/opac/my/alerts');
  const { act, Feedback } = useFeedback();
  const [alerts, { refetch }] = createResource(ready, async () => (await call(api.my.alerts.$get())).alerts);
  const create: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const ok = await act(async () => {
      await call(
        api.my.alerts.$post({
          json: {
            kind: formText(form, 'kind') === 'ndc' ? 'ndc' : 'keyword',
            query: formText(form, 'query'),
          },
        }),
      );
      await refetch();
      return mt('alerts.created');
    });
    if (ok) formEl.reset();
  };
  const remove = (id: string) =>
    act(async () => {
      await call(api.my.alerts[':id'].$delete({ param: { id } }));
      await refetch();
      return mt('alerts.deleted');
    });
  const kindText = (k: string) => (k === 'ndc' ? mt('alerts.kind.ndc') : mt('alerts.kind.keyword'));
  return (
    <section aria-labelledby="alerts-heading" class="narrow">
      <h1 id="alerts-heading">{mt('alerts.heading')}</h1>
      <p>{mt('alerts.explain')}</p>
      <Feedback />
      <form onSubmit={create}>
        <fieldset>
          <legend>{mt('alerts.kind')}</legend>
          <div class="field checkbox">
            <input id="alert-kind-keyword" name="kind" type="radio" value="keyword" checked />
            <label for="alert-kind-keyword">{mt('alerts.kind.keyword')}</label>
          </div>
          <div class="field checkbox">
            <input id="alert-kind-ndc" name="kind" type="radio" value="ndc" />
            <label for="alert-kind-ndc">{mt('alerts.kind.ndc')}</label>
          </div>
        </fieldset>
        <div class="field">
          <label for="alert-query">{mt('alerts.query')}</label>
          <input
            id="alert-query"
            name="query"
            type="text"
            maxLength={100}
            required
            aria-describedby="alert-query-hint"
          />
          <p id="alert-query-hint" class="hint">
            <QueryHint />
          </p>
        </div>
        <button type="submit" class="button-primary">
          {mt('alerts.create')}
        </button>
      </form>
      <CardList items={alerts()} none={mt('alerts.none')}>
        {(a) => (
          <li class="card alert-rule">
            <p>
              {kindText(a.kind)}: <strong>{a.query}</strong>
            </p>
            <button type="button" class="button-secondary" onClick={() => void remove(a.id)}>
              {mt('alerts.delete')}
              <span class="visually-hidden">: {a.query}</span>
            </button>
          </li>
        )}
      </CardList>
      <BackToMy />
    </section>
  );
}

/** The alert field's hint, its Japanese search example marked as Japanese (WCAG 3.1.2) in English too. */
function QueryHint() {
  const [before = '', after = ''] = mt('alerts.queryHint').split('{example}');
  return (
    <>
      {before}
      <span lang="ja">{mt('alerts.queryExample')}</span>
      {after}
    </>
  );
}

/** パスワードを忘れた: card number and registered e-mail; the answer is the same whether they matched. */
export function ForgotPasswordPage() {
  usePageTitle(() => mt('forgot.heading'));
  const { act, Feedback } = useFeedback();
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    await act(async () => {
      const tenant = library()?.code ?? (await loadLibrary()).library.code;
      await call(
        api.my['password-reset'].$post({
          json: { tenant, cardNumber: formText(form, 'card'), email: formText(form, 'email') },
        }),
      );
      return mt('forgot.sent');
    });
  };
  return (
    <section aria-labelledby="forgot-heading" class="narrow">
      <h1 id="forgot-heading">{mt('forgot.heading')}</h1>
      <p>{mt('forgot.explain')}</p>
      <Feedback />
      <form onSubmit={onSubmit}>
        <div class="field">
          <label for="forgot-card">{mt('forgot.card')}</label>
          <input
            id="forgot-card"
            name="card"
            type="text"
            inputMode="numeric"
            autocomplete="username"
            maxLength={64}
            required
          />
        </div>
        <div class="field">
          <label for="forgot-email">{mt('forgot.email')}</label>
          <input id="forgot-email" name="email" type="email" autocomplete="email" maxLength={254} required />
        </div>
        <button type="submit" class="button-primary">
          {mt('forgot.submit')}
        </button>
      </form>
      <p>
        <A href="/opac/login">{ot('login.heading')}</A>
      </p>
    </section>
  );
}

/** The mailed password-reset link: a new password for the card. */
export function ResetPasswordPage() {
  return (
    <MailedLinkPage
      idPrefix="reset"
      heading={() => mt('reset.heading')}
      submitLabel={() => mt('reset.submit')}
      submit={async (token, form) => {
        const newPassword = String(new FormData(form).get('new') ?? '');
        await call(api.my['password-reset'].confirm.$post({ json: { token, newPassword } }));
        return mt('reset.done');
      }}
      onward={{ href: '/opac/login', label: () => mt('reset.login') }}
    >
      <div class="field">
        <label for="reset-new">{mt('reset.new')}</label>
        <input
          id="reset-new"
          name="new"
          type="password"
          autocomplete="new-password"
          minLength={8}
          maxLength={256}
          required
        />
      </div>
    </MailedLinkPage>
  );
}
