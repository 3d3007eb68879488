import { t } from '../../i18n/index.ts';
import { areaFor } from '../nav.ts';

/** An area that is in the navigation already but whose screen arrives later. */
export function ComingSoon(props: { area: string }) {
  const area = () => areaFor(props.area);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{area() ? t(area()!.label) : ''}</h1>
      <p class="notice">{t('page.comingSoon')}</p>
    </section>
  );
}

export function NotFound() {
  return <p class="notice">{t('page.notFound')}</p>;
}
