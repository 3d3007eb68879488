import { useNavigate } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { LangSwitch } from '../components/lang-switch.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { logIn, me, savedWorkstation } from '../session.ts';

export function LoginPage() {
  const navigate = useNavigate();
  const [config] = createResource(() => call(api.public.config.$get()).catch(() => null));
  const [tenant, setTenant] = createSignal('');
  const [loginId, setLoginId] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [workstation, setWorkstation] = createSignal(savedWorkstation());
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  let passwordInput: HTMLInputElement | undefined;

  // Prefill the library code once the public settings arrive, unless the user has typed one already.
  createEffect(() => {
    const code = config()?.defaultTenant;
    if (code && !tenant()) setTenant(code);
  });
  // Someone already logged in (another tab, a reload) does not need this page.
  createEffect(() => {
    if (me()) navigate('/', { replace: true });
  });
  createEffect(() => {
    document.title = `${t('login.title')} — ${t('app.name')}`;
  });

  const onSubmit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    if (busy()) return;
    setBusy(true);
    setProblem(null);
    try {
      // the effect above leaves for the dashboard as soon as the session is set
      await logIn({ tenant: tenant(), loginId: loginId(), password: password(), workstation: workstation() });
    } catch (err) {
      setProblem(asProblem(err));
      setPassword('');
      passwordInput?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login-page">
      <header class="login-header">
        <span class="brand-mark" aria-hidden="true">
          文庫
        </span>
        <LangSwitch />
      </header>
      <main id="main" class="login-main">
        <form class="card login-form" onSubmit={onSubmit} aria-labelledby="login-title">
          <h1 id="login-title">{t('login.title')}</h1>
          <ProblemAlert problem={problem()} />
          <div class="field">
            <label for="login-tenant">{t('login.tenant')}</label>
            <input
              id="login-tenant"
              name="tenant"
              autocomplete="organization"
              required
              value={tenant()}
              onInput={(e) => setTenant(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="login-id">{t('login.loginId')}</label>
            <input
              id="login-id"
              name="loginId"
              autocomplete="username"
              autocapitalize="off"
              spellcheck={false}
              required
              value={loginId()}
              onInput={(e) => setLoginId(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="login-password">{t('login.password')}</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              ref={passwordInput}
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="login-workstation">{t('login.workstation')}</label>
            <input
              id="login-workstation"
              name="workstation"
              aria-describedby="login-workstation-hint"
              maxLength={64}
              value={workstation()}
              onInput={(e) => setWorkstation(e.currentTarget.value)}
            />
            <p id="login-workstation-hint" class="hint">
              {t('login.workstationHint')}
            </p>
          </div>
          <button type="submit" class="button-primary" disabled={busy()}>
            {busy() ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
        <Show when={config()?.demo && config()?.demoLogins?.length}>
          <section class="card demo-logins" aria-labelledby="demo-title">
            <h2 id="demo-title">{t('login.demoTitle')}</h2>
            <p class="hint">{t('login.demoHint')}</p>
            <ul>
              <For each={config()?.demoLogins ?? []}>
                {(d) => (
                  <li>
                    <button
                      type="button"
                      class="button-quiet"
                      onClick={() => {
                        setLoginId(d.loginId);
                        setPassword(d.password);
                        passwordInput?.focus();
                      }}
                    >
                      {t('login.demoUse', { role: d.roleJa, id: d.loginId })}
                    </button>
                    <span class="demo-password">
                      {t('login.password')}: <code>{d.password}</code>
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </section>
        </Show>
      </main>
    </div>
  );
}
