import { A, useNavigate } from '@solidjs/router';
import { createResource, createSignal, type JSX, onMount, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { lang, pick } from '../../i18n/index.ts';
import { Nw7Barcode } from '../../staff/components/nw7-barcode.tsx';
import { ProblemAlert, problemText } from '../../staff/components/problem-alert.tsx';
import { CardList } from '../card-list.tsx';
import type { ContactMethod } from '../hold-choices.tsx';
import { ot } from '../i18n.ts';
import { loadPatron, logoutPatron, patron, usePageTitle } from '../state.ts';
import { HoldChange, HoldSuspension, MoreLinks } from './my-extras.tsx';

/** Pages behind the My Library login: without a session, go to the login page and come back. */
export function useLoggedIn(next: string) {
  const navigate = useNavigate();
  onMount(async () => {
    const me = patron() ?? (await loadPatron().catch(() => null));
    if (!me) navigate(`/opac/login?next=${encodeURIComponent(next)}`, { replace: true });
  });
  return () => Boolean(patron());
}

const westernOf = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return lang() === 'en'
    ? new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString('en-GB', { dateStyle: 'full', timeZone: 'UTC' })
    : `${y}年${m}月${d}日`;
};

/** マイページ: my loans (due dates in era and western form; in English the western one only; renew) and my holds (n人待ち, cancel). */
export function MyLibrary() {
  usePageTitle(() => ot('my.heading'));
  const ready = useLoggedIn('/opac/my');
  const navigate = useNavigate();
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [message, setMessage] = createSignal('');
  const [loans, loansCtl] = createResource(ready, async () => (await call(api.my.loans.$get())).loans);
  const [holds, holdsCtl] = createResource(ready, async () => (await call(api.my.holds.$get())).holds);

  const [refused, setRefused] = createSignal(false);
  const act = async (fn: () => Promise<string>, isRenewal = false) => {
    setProblem(null);
    setMessage('');
    setRefused(false);
    try {
      setMessage(await fn());
    } catch (err) {
      setRefused(isRenewal);
      setProblem(asProblem(err));
    }
  };
  const renew = (loanId: string) =>
    act(async () => {
      const r = await call(api.my.loans[':id'].renew.$post({ param: { id: loanId } }));
      void loansCtl.refetch();
      return ot('my.renewed', { date: lang() === 'en' ? r.dueOnWestern : r.dueOnEra });
    }, true);
  const cancel = (holdId: string) =>
    act(async () => {
      await call(api.my.holds[':id'].cancel.$post({ param: { id: holdId } }));
      void holdsCtl.refetch();
      return ot('my.cancelled');
    });
  const logout = async () => {
    await logoutPatron();
    navigate('/opac', { replace: true });
  };

  return (
    <section aria-labelledby="my-heading" class="my">
      <h1 id="my-heading">{ot('my.heading')}</h1>
      <Show when={patron()}>
        {(p) => (
          <p class="my-hello">
            {ot('my.hello', { name: p().name })}({pick(p().category.nameJa, p().category.nameEn)})
          </p>
        )}
      </Show>
      <div role="alert" class="problem-live">
        <Show when={problem()}>
          {(p) => (
            <p class="alert">
              {refused() ? ot('my.renewRefused', { reason: problemText(p()) }) : problemText(p())}
            </p>
          )}
        </Show>
      </div>
      <p role="status" aria-live="polite" class="notice-live">
        {message()}
      </p>
      <section aria-labelledby="loans-heading">
        <h2 id="loans-heading">{ot('my.loans')}</h2>
        <CardList items={loans()} none={ot('my.noLoans')}>
          {(l) => (
            <li class="card loan" classList={{ overdue: l.overdue }}>
              <h3>{l.title}</h3>
              <p>
                {ot('my.due')}:{' '}
                <Show when={lang() === 'ja'} fallback={<strong>{westernOf(l.dueOn)}</strong>}>
                  <strong>{l.dueOnEra}</strong>
                  <span class="western">({westernOf(l.dueOn)})</span>
                </Show>
              </p>
              <Show when={l.overdue}>
                <p class="overdue-note">{ot('my.overdue')}</p>
              </Show>
              <button type="button" class="button-secondary" onClick={() => void renew(l.loanId)}>
                {ot('my.renew')}
                <span class="visually-hidden">: {l.title}</span>
              </button>
            </li>
          )}
        </CardList>
      </section>
      <section aria-labelledby="holds-heading">
        <h2 id="holds-heading">{ot('my.holds')}</h2>
        <CardList items={holds()} none={ot('my.noHolds')}>
          {(h) => (
            <li class="card hold">
              <h3>
                <A href={`/opac/bib/${h.bibId}`}>{h.title}</A>
              </h3>
              <p class="queue">
                <strong>
                  {h.queuePosition > 0 ? ot('my.queue', { n: h.queuePosition }) : ot('my.ready')}
                </strong>
              </p>
              <Show when={h.pickupBy}>{(d) => <p>{ot('my.pickupBy', { date: westernOf(d()) })}</p>}</Show>
              <p>{ot('my.pickupAt', { place: pick(h.pickupLocationJa, h.pickupLocationEn) })}</p>
              <Show when={h.queuePosition > 0}>
                <HoldSuspension
                  holdId={h.holdId}
                  title={h.title}
                  suspendedUntil={h.suspendedUntil}
                  act={act}
                  changed={() => void holdsCtl.refetch()}
                />
                <HoldChange
                  holdId={h.holdId}
                  title={h.title}
                  pickupLocationId={h.pickupLocationId}
                  contactMethod={h.contactMethod as ContactMethod}
                  act={act}
                  changed={() => void holdsCtl.refetch()}
                />
              </Show>
              <button type="button" class="button-secondary" onClick={() => void cancel(h.holdId)}>
                {ot('my.cancel')}
                <span class="visually-hidden">: {h.title}</span>
              </button>
            </li>
          )}
        </CardList>
      </section>
      <MoreLinks />
      <ul class="my-links">
        <li>
          <A href="/opac/my/card">{ot('my.card')}</A>
        </li>
        <li>
          <A href="/opac/my/password">{ot('my.password')}</A>
        </li>
        <li>
          <button type="button" class="button-link" onClick={() => void logout()}>
            {ot('my.logout')}
          </button>
        </li>
      </ul>
    </section>
  );
}

/** デジタル利用カード: the card's NW-7 barcode, large and on white, for the counter's reader. */
export function CardPage() {
  usePageTitle(() => ot('card.heading'));
  const ready = useLoggedIn('/opac/my/card');
  const [card] = createResource(ready, async () => call(api.my.card.$get()));
  return (
    <section aria-labelledby="card-heading" class="narrow">
      <h1 id="card-heading">{ot('card.heading')}</h1>
      <p>{ot('card.hint')}</p>
      <Show when={card()}>
        {(c) => (
          <figure class="library-card">
            <Nw7Barcode text={c().symbol} label={ot('card.label', { card: c().barcode })} height={90} />
            <figcaption class="card-number">{c().barcode}</figcaption>
          </figure>
        )}
      </Show>
      <p>
        <A href="/opac/my">{ot('my.heading')}</A>
      </p>
    </section>
  );
}

/** パスワードを変える (also the first step after a staff-issued temporary password). */
export function PasswordPage() {
  usePageTitle(() => ot('password.heading'));
  useLoggedIn('/opac/my/password');
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [done, setDone] = createSignal(false);
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setProblem(null);
    try {
      await call(
        api.my.password.$post({
          json: {
            currentPassword: String(form.get('current') ?? ''),
            newPassword: String(form.get('new') ?? ''),
          },
        }),
      );
      setDone(true);
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <section aria-labelledby="password-heading" class="narrow">
      <h1 id="password-heading">{ot('password.heading')}</h1>
      <Show when={patron()?.mustChangePassword && !done()}>
        <p>{ot('my.mustChange')}</p>
      </Show>
      <ProblemAlert problem={problem()} />
      <p role="status" aria-live="polite">
        {done() ? ot('password.done') : ''}
      </p>
      <form onSubmit={onSubmit}>
        <div class="field">
          <label for="pw-current">{ot('password.current')}</label>
          <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="pw-new">{ot('password.new')}</label>
          <input id="pw-new" name="new" type="password" autocomplete="new-password" minLength={8} required />
        </div>
        <button type="submit" class="button-primary">
          {ot('password.submit')}
        </button>
      </form>
      <p>
        <A href="/opac/my">{ot('my.heading')}</A>
      </p>
    </section>
  );
}
