import { A, useParams, useSearchParams } from '@solidjs/router';
import { createEffect, createSignal, For, type JSX, Show } from 'solid-js';
import { api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { formatDateTime, type MessageKey, t } from '../../i18n/index.ts';
import { IssueList } from '../components/field-issue.tsx';
import { createLoad } from '../components/load.ts';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { can } from '../session.ts';
import { CopyEdit, type EditableCopy } from './copy-edit.tsx';

type Copy = EditableCopy;

export const statusLabel = (status: string) => t(`cat.status.${status}` as MessageKey);
const nameOf = (list: readonly { id: string; nameJa: string }[] | undefined, id: string) =>
  list?.find((l) => l.id === id)?.nameJa ?? id;

/** 書誌詳細: every field of the record, its copies with their status, and the copy actions. */
export function BibDetail() {
  const params = useParams<{ id: string }>();
  // ?created=1: the record was just made (新規書誌); its first copy is what comes next
  const [search] = useSearchParams<{ created?: string }>();
  const bib = createLoad(() => call(api.bibs[':id'].$get({ param: { id: params.id } })));
  const reference = createLoad(() => call(api.reference.$get()));
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  const [status, setStatus] = createSignal(search.created ? t('cat.created') : '');
  const [selected, setSelected] = createSignal<ReadonlySet<string>>(new Set());
  /** the copy whose edit form is open (one at a time) */
  const [editing, setEditing] = createSignal<string | null>(null);

  const act = async (fn: () => Promise<unknown>, done: string | (() => string)) => {
    setProblem(null);
    setStatus('');
    try {
      await fn();
      await bib.refetch();
      setStatus(typeof done === 'string' ? done : done());
      return true;
    } catch (err) {
      setProblem(asProblem(err));
      return false;
    }
  };
  const setCopyStatus = (copy: Copy, next: 'missing' | 'repair' | 'available') =>
    act(
      () => call(api.items[':id'].status.$post({ param: { id: copy.id }, json: { status: next } })),
      t('cat.copyChanged', { barcode: copy.barcode, status: statusLabel(next) }),
    );
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected());
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  return (
    <section aria-labelledby="page-title">
      <p>
        <A href="/search">← {t('cat.backToSearch')}</A>
      </p>
      <h1 id="page-title">{t('cat.record')}</h1>
      <ProblemAlert problem={bib.problem() ?? problem()} />
      <Show when={problem()?.issues}>{(issues) => <IssueList issues={issues()} />}</Show>
      <p class={status() ? 'notice' : undefined} role="status">
        {status()}
      </p>
      <Show when={bib.data()}>
        {(b) => (
          <>
            <h2 class="title">{b().title}</h2>
            <Show when={can('catalog.write')}>
              <p>
                <A class="button" href={`/bibs/${b().id}/edit`}>
                  {t('cat.edit')}
                </A>
              </p>
            </Show>
            <dl class="details">
              <Field label="cat.titleReading" value={b().titleReading} />
              <Field
                label="cat.otherTitles"
                value={b()
                  .otherTitles.map((o) => (o.reading ? `${o.title} (${o.reading})` : o.title))
                  .join(' / ')}
              />
              <Field
                label="cat.authorsView"
                value={b()
                  .authors.map((a) =>
                    [a.name, a.reading && `(${a.reading})`, a.role].filter(Boolean).join(' '),
                  )
                  .join('、')}
              />
              <Field label="cat.responsibility" value={b().responsibility} />
              <Field label="cat.edition" value={b().edition} />
              <Field label="cat.publisher" value={b().publisher} />
              <Field label="cat.pubPlace" value={b().pubPlace} />
              <Field label="cat.pubDate" value={b().pubDate || (b().pubYear?.toString() ?? '')} />
              <Field label="cat.extent" value={b().extent} />
              <Field label="cat.isbn" value={b().isbn ?? ''} mono />
              <Field label="cat.isbn10" value={b().isbn10 ?? ''} mono />
              <Field label="cat.ndc" value={b().ndc ?? ''} mono />
              <Field
                label="cat.subjectsView"
                value={b()
                  .subjects.map((s) => s.term)
                  .join('、')}
              />
              <Field
                label="cat.seriesTitle"
                value={[b().seriesTitle, b().volume].filter(Boolean).join(' ')}
              />
              <Field label="cat.languageView" value={b().language} />
              <Field label="cat.materialType" value={b().materialType ?? ''} />
              <Field label="cat.notesView" value={b().notes.join(' / ')} />
              <Field label="cat.summary" value={b().summary} />
              <Field label="cat.trcNumber" value={b().trcNumber ?? ''} mono />
              <Field label="cat.jpNumber" value={b().jpNumber ?? ''} mono />
              <Field label="cat.updatedAt" value={formatDateTime(b().updatedAt)} />
            </dl>

            <h2 id="copies-title">{t('cat.copies')}</h2>
            <Show when={b().items.length > 0} fallback={<p class="notice">{t('cat.noCopies')}</p>}>
              <div class="table-wrap">
                <table aria-labelledby="copies-title">
                  <thead>
                    <tr>
                      <th scope="col">{t('cat.select')}</th>
                      <th scope="col">{t('cat.barcode')}</th>
                      <th scope="col">{t('cat.location')}</th>
                      <th scope="col">{t('cat.shelf')}</th>
                      <th scope="col">{t('cat.callNumber')}</th>
                      <th scope="col">{t('cat.status')}</th>
                      <Show when={can('items.write')}>
                        <th scope="col">{t('cat.actions')}</th>
                      </Show>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={b().items}>
                      {(copy) => (
                        <>
                          <tr>
                            <td>
                              <input
                                type="checkbox"
                                aria-label={t('cat.selectCopy', { barcode: copy.barcode })}
                                checked={selected().has(copy.id)}
                                disabled={copy.status === 'withdrawn' || !copy.callNumber}
                                onChange={(e) => toggle(copy.id, e.currentTarget.checked)}
                              />
                            </td>
                            <th scope="row" class="mono">
                              {copy.barcode}
                            </th>
                            <td>{nameOf(reference.data()?.locations, copy.locationId)}</td>
                            <td>{copy.shelf}</td>
                            <td class="mono">{copy.callNumber}</td>
                            <td>
                              <span class={`badge badge-${copy.status}`}>{statusLabel(copy.status)}</span>
                            </td>
                            <Show when={can('items.write')}>
                              <td>
                                <CopyActions
                                  copy={copy}
                                  onStatus={setCopyStatus}
                                  act={act}
                                  onEdit={() => setEditing(copy.id)}
                                />
                              </td>
                            </Show>
                          </tr>
                          <Show when={editing() === copy.id && can('items.write')}>
                            <tr class="edit-row">
                              <td colSpan={7}>
                                <CopyEdit
                                  copy={copy}
                                  locations={reference.data()?.locations ?? []}
                                  materialTypes={reference.data()?.materialTypes ?? []}
                                  onCancel={() => setEditing(null)}
                                  onSaved={(barcode) => {
                                    setEditing(null);
                                    void act(async () => {}, t('cat.copyEdited', { barcode }));
                                  }}
                                />
                              </td>
                            </tr>
                          </Show>
                        </>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <Show when={can('items.write') && can('devices.read')}>
                <SpineLabels selected={[...selected()]} act={act} />
              </Show>
            </Show>
            <Show when={can('items.write')}>
              <AddCopy
                bibId={b().id}
                focusFirst={Boolean(search.created)}
                locations={reference.data()?.locations ?? []}
                onAdded={(barcode) => act(async () => {}, t('cat.copyAdded', { barcode }))}
                onProblem={setProblem}
              />
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

function Field(props: { label: MessageKey; value: string; mono?: boolean }) {
  return (
    <Show when={props.value}>
      <div>
        <dt>{t(props.label)}</dt>
        <dd class={props.mono ? 'mono' : undefined}>{props.value}</dd>
      </div>
    </Show>
  );
}

type Act = (fn: () => Promise<unknown>, done: string | (() => string)) => Promise<boolean>;

function CopyActions(props: {
  copy: Copy;
  onStatus: (copy: Copy, next: 'missing' | 'repair' | 'available') => Promise<boolean>;
  act: Act;
  onEdit: () => void;
}) {
  const [withdrawing, setWithdrawing] = createSignal(false);
  const [reason, setReason] = createSignal('');
  const withdraw: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const ok = await props.act(
      () =>
        call(
          api.items[':id'].withdraw.$post({
            param: { id: props.copy.id },
            json: { reason: reason().trim() },
          }),
        ),
      t('cat.copyChanged', { barcode: props.copy.barcode, status: statusLabel('withdrawn') }),
    );
    if (ok) setWithdrawing(false);
  };
  const s = () => props.copy.status;
  return (
    <div class="row-actions">
      <Show when={s() !== 'withdrawn'}>
        <button type="button" class="button-quiet" onClick={() => props.onEdit()}>
          {t('cat.editCopy')}
        </button>
      </Show>
      <Show when={s() === 'available' || s() === 'missing' || s() === 'repair'}>
        <Show when={s() !== 'missing'}>
          <button type="button" class="button-quiet" onClick={() => props.onStatus(props.copy, 'missing')}>
            {t('cat.markMissing')}
          </button>
        </Show>
        <Show when={s() !== 'repair'}>
          <button type="button" class="button-quiet" onClick={() => props.onStatus(props.copy, 'repair')}>
            {t('cat.markRepair')}
          </button>
        </Show>
        <Show when={s() !== 'available'}>
          <button type="button" class="button-quiet" onClick={() => props.onStatus(props.copy, 'available')}>
            {t('cat.backOnShelf')}
          </button>
        </Show>
      </Show>
      <Show when={s() !== 'withdrawn' && s() !== 'onLoan'}>
        <Show
          when={withdrawing()}
          fallback={
            <button type="button" class="button-quiet" onClick={() => setWithdrawing(true)}>
              {t('cat.withdraw')}
            </button>
          }
        >
          <form class="inline-form" onSubmit={withdraw}>
            <div class="field">
              <label for={`withdraw-${props.copy.id}`}>{t('cat.withdrawReason')}</label>
              <input
                id={`withdraw-${props.copy.id}`}
                required
                maxLength={200}
                value={reason()}
                onInput={(e) => setReason(e.currentTarget.value)}
                ref={(el) => queueMicrotask(() => el.focus())}
              />
            </div>
            <button type="submit" class="button-primary">
              {t('cat.withdrawConfirm')}
            </button>
            <button type="button" class="button-quiet" onClick={() => setWithdrawing(false)}>
              {t('cat.cancel')}
            </button>
          </form>
        </Show>
      </Show>
    </div>
  );
}

/** the printers of the agents; the label (sticker) printer is offered first */
const loadPrinters = async () => {
  const r = await call(api.agents.$get());
  return r.agents.flatMap((a) =>
    a.devices
      .filter((d) => /Printer$/.test(d.kind))
      .map((d) => ({
        agentId: a.id,
        deviceKey: d.deviceKey,
        kind: d.kind,
        label: `${a.nameJa} — ${d.deviceKey}`,
      })),
  );
};

function SpineLabels(props: { selected: string[]; act: Act }) {
  const printers = createLoad(loadPrinters);
  const [target, setTarget] = createSignal('');
  createEffect(() => {
    const list = printers.data();
    if (list?.length && !target()) {
      const label = list.find((p) => p.kind === 'labelPrinter') ?? list[0]!;
      setTarget(`${label.agentId} ${label.deviceKey}`);
    }
  });
  const print: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    const [agentId, deviceKey] = target().split(' ');
    if (!agentId || !deviceKey) return;
    let state = '';
    await props.act(
      async () => {
        const job = await call(
          api['print-jobs']['spine-labels'].$post({ json: { agentId, deviceKey, itemIds: props.selected } }),
        );
        state = t(`printJobs.state.${job.state}` as MessageKey);
        if (job.reason?.startsWith('waitingForAgent:'))
          state += ` — ${t('printJobs.reason.waitingForAgent')}`;
      },
      () => t('cat.printSent', { state }),
    );
  };
  return (
    <Show when={(printers.data()?.length ?? 0) > 0} fallback={<p class="notice">{t('cat.noPrinter')}</p>}>
      <form class="inline-form" onSubmit={print}>
        <div class="field">
          <label for="spine-printer">{t('cat.printer')}</label>
          <select id="spine-printer" value={target()} onChange={(e) => setTarget(e.currentTarget.value)}>
            <For each={printers.data() ?? []}>
              {(p) => <option value={`${p.agentId} ${p.deviceKey}`}>{p.label}</option>}
            </For>
          </select>
        </div>
        <button type="submit" class="button-primary" disabled={props.selected.length === 0}>
          {t('cat.printLabels')}
        </button>
      </form>
    </Show>
  );
}

export function AddCopy(props: {
  bibId: string;
  /** put the cursor in the barcode field at once (the first copy of a new record) */
  focusFirst?: boolean;
  locations: readonly { id: string; nameJa: string; kind: string }[];
  onAdded: (barcode: string) => void;
  onProblem: (p: ProblemInfo | null) => void;
}) {
  const [barcode, setBarcode] = createSignal('');
  const [locationId, setLocationId] = createSignal('');
  const [shelf, setShelf] = createSignal('');
  const [callNumber, setCallNumber] = createSignal('');
  const [problem, setProblem] = createSignal<ProblemInfo | null>(null);
  let barcodeInput: HTMLInputElement | undefined;
  createEffect(() => {
    if (!locationId() && props.locations.length)
      setLocationId((props.locations.find((l) => l.kind === 'library') ?? props.locations[0]!).id);
  });
  // the call number the library's rules give a copy at this location, pre-filled and editable
  createEffect(async () => {
    const loc = locationId();
    if (!loc) return;
    try {
      const r = await call(
        api.bibs[':id']['call-number'].$get({ param: { id: props.bibId }, query: { locationId: loc } }),
      );
      setCallNumber(r.text);
    } catch {
      // no rule applies: the librarian types it
    }
  });
  const fieldIssue = (path: string) => problem()?.issues?.find((i) => i.path === path)?.message;
  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    setProblem(null);
    props.onProblem(null);
    try {
      const item = await call(
        api.bibs[':id'].items.$post({
          param: { id: props.bibId },
          json: {
            barcode: barcode().trim(),
            locationId: locationId(),
            shelf: shelf().trim(),
            ...(callNumber().trim() ? { callNumber: callNumber().trim() } : {}),
          },
        }),
      );
      setBarcode('');
      props.onAdded(item.barcode);
      // ready for the next copy's scan
      barcodeInput?.focus();
    } catch (err) {
      setProblem(asProblem(err));
    }
  };
  return (
    <form class="card form-grid" aria-labelledby="add-copy-title" onSubmit={submit}>
      <h2 id="add-copy-title">{t('cat.addCopy')}</h2>
      <ProblemAlert problem={problem()} />
      <div class="field">
        <label for="copy-barcode">{t('cat.barcode')}</label>
        <input
          id="copy-barcode"
          ref={(el) => {
            barcodeInput = el;
            if (props.focusFirst) queueMicrotask(() => el.focus());
          }}
          required
          autocomplete="off"
          maxLength={64}
          value={barcode()}
          onInput={(e) => setBarcode(e.currentTarget.value)}
          aria-invalid={fieldIssue('barcode') ? 'true' : undefined}
        />
        <Show when={fieldIssue('barcode')}>
          <p class="hint field-issue">{fieldIssue('barcode')}</p>
        </Show>
      </div>
      <div class="field">
        <label for="copy-location">{t('cat.location')}</label>
        <select
          id="copy-location"
          value={locationId()}
          onChange={(e) => setLocationId(e.currentTarget.value)}
        >
          <For each={props.locations}>{(l) => <option value={l.id}>{l.nameJa}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for="copy-shelf">{t('cat.shelf')}</label>
        <input
          id="copy-shelf"
          maxLength={100}
          value={shelf()}
          onInput={(e) => setShelf(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="copy-call">{t('cat.callNumber')}</label>
        <input
          id="copy-call"
          maxLength={100}
          value={callNumber()}
          onInput={(e) => setCallNumber(e.currentTarget.value)}
        />
      </div>
      <button type="submit" class="button-primary">
        {t('cat.addCopySubmit')}
      </button>
    </form>
  );
}
