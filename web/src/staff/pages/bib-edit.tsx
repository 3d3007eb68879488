import { A, useNavigate, useParams } from '@solidjs/router';
import { Show } from 'solid-js';
import { api, call } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { BibForm, type BibPayload, fetchBib } from './bib-form.tsx';

const pick = (payload: BibPayload, keys: (keyof BibPayload)[]) =>
  Object.fromEntries(keys.map((k) => [k, payload[k]])) as Partial<BibPayload>;

/** 書誌の編集: only the fields that were changed are sent (and so logged). */
export function BibEdit() {
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  const bib = createLoad(() => fetchBib(params.id));
  const save = async (payload: BibPayload, changed: (keyof BibPayload)[]) => {
    if (changed.length > 0)
      await call(api.bibs[':id'].$patch({ param: { id: params.id }, json: pick(payload, changed) }));
    navigate(`/bibs/${params.id}`);
  };
  return (
    <section aria-labelledby="page-title">
      <p>
        <A href={`/bibs/${params.id}`}>← {t('cat.record')}</A>
      </p>
      <h1 id="page-title">{t('cat.editTitle')}</h1>
      <ProblemAlert problem={bib.problem()} />
      <Show when={bib.data()} keyed>
        {(b) => (
          <BibForm
            bib={b}
            label={t('cat.editTitle')}
            submitLabel={t('cat.save')}
            cancelHref={`/bibs/${b.id}`}
            onSave={save}
          />
        )}
      </Show>
    </section>
  );
}

/** 新規書誌: a record typed from scratch; once saved, its page opens ready to add the first copy. */
export function BibNew() {
  const navigate = useNavigate();
  const save = async (payload: BibPayload, changed: (keyof BibPayload)[]) => {
    const created = await call(api.bibs.$post({ json: { ...pick(payload, changed), title: payload.title } }));
    navigate(`/bibs/${created.id}?created=1`);
  };
  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/search">← {t('cat.backToSearch')}</A>
      </p>
      <h1 id="page-title">{t('cat.newTitle')}</h1>
      <BibForm
        bib={null}
        label={t('cat.newTitle')}
        submitLabel={t('cat.create')}
        cancelHref="/search"
        onSave={save}
      />
    </section>
  );
}
