import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createSignal, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { ProblemAlert } from '../../staff/components/problem-alert.tsx';
import { ot } from '../i18n.ts';
import { mt } from '../my-i18n.ts';
import { isKiosk, library, loadLibrary, loadPatron, usePageTitle } from '../state.ts';

/** Only addresses inside the OPAC may follow a login (no open redirect). */
const safeNext = (next: string | undefined) => (next && /^\/opac(\/|$|\?)/.test(next) ? next : '/opac/my');

/** マイページにログイン: card number and password; then back to where the patron was (e.g. 予約する). */
export function LoginPage() {
  usePageTitle(() => ot('login.heading'));
  const [params] = useSearchParams<{ next?: string }>();
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setProblem(null);
    try {
      const tenant = library()?.code ?? (await loadLibrary()).library.code;
      await call(
        api.my.login.$post({
          json: {
            tenant,
            cardNumber: String(form.get('card') ?? ''),
            password: String(form.get('password') ?? ''),
          },
        }),
      );
      const me = await loadPatron();
      navigate(me?.mustChangePassword ? '/opac/my/password' : safeNext(params.next), { replace: true });
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="login-heading" class="narrow">
      <h1 id="login-heading">{ot('login.heading')}</h1>
      <Show when={params.next?.includes('hold=1')}>
        <p>{ot('hold.loginFirst')}</p>
      </Show>
      <ProblemAlert problem={problem()} />
      <form onSubmit={onSubmit}>
        <div class="field">
          <label for="login-card">{ot('login.card')}</label>
          <input
            id="login-card"
            name="card"
            type="text"
            inputMode={isKiosk ? 'none' : 'numeric'}
            autocomplete={isKiosk ? 'off' : 'username'}
            aria-describedby="login-card-hint"
            required
            maxLength={64}
          />
          <p id="login-card-hint" class="hint">
            {ot('login.cardHint')}
          </p>
        </div>
        <div class="field">
          <label for="login-password">{ot('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            inputMode={isKiosk ? 'none' : undefined}
            autocomplete={isKiosk ? 'off' : 'current-password'}
            required
            maxLength={256}
          />
        </div>
        <button type="submit" class="button-primary" disabled={busy()}>
          {busy() ? ot('login.busy') : ot('login.submit')}
        </button>
      </form>
      <Show when={!isKiosk}>
        <p>
          <A href="/opac/password-forgot">{mt('forgot.link')}</A>
        </p>
      </Show>
    </section>
  );
}
