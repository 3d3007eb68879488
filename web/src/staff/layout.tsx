import { A, useLocation, useNavigate } from '@solidjs/router';
import { createEffect, For, type JSX, on, Show } from 'solid-js';
import { pick, t } from '../i18n/index.ts';
import { LangSwitch } from './components/lang-switch.tsx';
import { AREAS, allowed, areaFor } from './nav.ts';
import { logOut, me, workstation } from './session.ts';

/** The frame around every staff page: header, navigation by permission, and the main landmark. */
export function Layout(props: { children?: JSX.Element }) {
  const location = useLocation();
  const navigate = useNavigate();
  const permissions = () => me()?.permissions ?? [];
  const visible = () => AREAS.filter((a) => allowed(a, permissions()));
  const current = () => areaFor(location.pathname);
  const permitted = () => {
    const area = current();
    return !area || allowed(area, permissions());
  };
  let main: HTMLElement | undefined;

  createEffect(() => {
    const area = current();
    document.title = area ? `${t(area.label)} — ${t('app.name')}` : t('app.name');
  });
  // After in-app navigation, move focus to the new page so screen readers announce it.
  createEffect(
    on(
      () => location.pathname,
      () => main?.focus(),
      { defer: true },
    ),
  );

  const onLogout = async () => {
    await logOut().catch(() => {});
    navigate('/login', { replace: true });
  };

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header class="site-header">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            文庫
          </span>
          <span class="library-name">{pick(me()?.tenant.nameJa ?? '', me()?.tenant.nameEn ?? '')}</span>
        </div>
        <dl class="who">
          <div>
            <dt>{t('header.staff')}</dt>
            <dd class="staff-name">{me()?.staff.displayName}</dd>
          </div>
          <div>
            <dt>{t('header.workstation')}</dt>
            <dd class="workstation">{workstation() ?? t('header.noWorkstation')}</dd>
          </div>
        </dl>
        <div class="header-actions">
          <LangSwitch />
          <button type="button" class="button-quiet" onClick={onLogout}>
            {t('header.logout')}
          </button>
        </div>
      </header>
      <nav class="site-nav" aria-label={t('nav.label')}>
        <ul>
          <For each={visible()}>
            {(area) => (
              <li>
                <A href={area.path} end={area.path === '/'} activeClass="active">
                  {t(area.label)}
                </A>
              </li>
            )}
          </For>
        </ul>
      </nav>
      <main id="main" class="site-main" tabindex="-1" ref={main}>
        <Show when={permitted()} fallback={<p class="notice">{t('page.forbidden')}</p>}>
          {props.children}
        </Show>
      </main>
    </div>
  );
}
