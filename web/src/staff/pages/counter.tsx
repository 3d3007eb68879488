import type { PrintDocument } from '@bunko/protocols/document-schema';
import { checkoutReceipt } from '@bunko/protocols/documents';
import { createEffect, createSignal, For, type JSX, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { ApiError, api, asProblem, call, type ProblemInfo } from '../../api/client.ts';
import { type MessageKey, pick, t } from '../../i18n/index.ts';
import { createLoad } from '../components/load.ts';
import { PrintPreview } from '../components/print-preview.tsx';
import { problemText } from '../components/problem-alert.tsx';
import { ScannerControl } from '../components/scanner-control.tsx';
import { errorBeep, holdBeep, routeBeep } from '../counter/beep.ts';
import { CounterHoldForm } from '../counter/hold-form.tsx';
import { createScannerLink } from '../counter/scanner-link.ts';
import { addDays, cleanScan, dayText, eraText, newIdempotencyKey, todayInTokyo } from '../counter/util.ts';
import { can, me } from '../session.ts';

const fetchPatron = (barcode: string) =>
  call(api.patrons['by-card'][':barcode'].$get({ param: { barcode } }));
const fetchLoans = (id: string) => call(api.patrons[':id'].loans.$get({ param: { id } }));
const fetchHolds = (id: string) => call(api.patrons[':id'].holds.$get({ param: { id } }));
type CheckoutBody = Parameters<typeof api.circulation.checkout.$post>[0]['json'];
type ReturnResult = Awaited<ReturnType<typeof sendReturn>>;
const sendReturn = (itemBarcode: string, locationId: string) =>
  call(api.circulation.return.$post({ json: { itemBarcode, locationId } }));

type Loan = Awaited<ReturnType<typeof fetchLoans>>['loans'][number];
type Hold = Awaited<ReturnType<typeof fetchHolds>>['holds'][number];
type Patron = {
  info: Awaited<ReturnType<typeof fetchPatron>>;
  /** the card as scanned: checkouts name it, so a card reported lost meanwhile is refused */
  card: string;
  loans: Loan[];
  holds: Hold[];
};
type Mode = 'checkout' | 'return';

/** One scan in the list of this visit: shown at once, then filled in with the core's answer. */
type Entry = {
  id: number;
  barcode: string;
  state: 'pending' | 'done' | 'refused';
  title?: string;
  dueOn?: string;
  loanId?: string;
  problem?: ProblemInfo;
  returned?: ReturnResult;
};

/** What went wrong, big and red; `retry` proceeds with override when the refusal allows it. */
type Refusal = {
  problem?: ProblemInfo;
  messageKey?: MessageKey;
  barcode?: string;
  retry?: { label: MessageKey; run: () => void };
};

/** The loud notice after a return: the item is wanted elsewhere. */
type Banner = { kind: 'hold' | 'route'; text: string; detail?: string };

const LOCATION_KEY = 'bunko.counterLocation';
/** the core's scanner pairing code, as a keyboard-wedge reader would type it */
const PAIRING_CODE = /^[A-D]?\$[0-9]{10}[A-D]?$/i;

function storedLocation(): string {
  try {
    return localStorage.getItem(LOCATION_KEY) ?? '';
  } catch {
    return '';
  }
}

function storeLocation(id: string) {
  try {
    localStorage.setItem(LOCATION_KEY, id);
  } catch {
    // asked again next time
  }
}

const isNetwork = (err: unknown) => err instanceof ApiError && err.problem.code === 'network';

/** The due date in both calendars: 2026年12月9日(水) and 令和8年12月9日. */
function DueDate(props: { day: string }) {
  return (
    <span class="due">
      <time datetime={props.day}>{dayText(props.day)}</time> <span class="era">{eraText(props.day)}</span>
    </span>
  );
}

/**
 * 貸出・返却: the counter. Everything is driven from one scan field (a keyboard-wedge scanner types the
 * digits and Enter); scans are queued so a fast scanner never loses one, and focus always comes back.
 */
export function Counter() {
  const reference = createLoad(() => call(api.reference.$get()));
  const mayCheckout = () => can('circulation.checkout');
  const mayReturn = () => can('circulation.return');

  const [mode, setMode] = createSignal<Mode>(mayCheckout() || !mayReturn() ? 'checkout' : 'return');
  const [locationId, setLocationId] = createSignal(storedLocation());
  const [patron, setPatron] = createSignal<Patron | null>(null);
  const [loans, setLoans] = createSignal<Entry[]>([]);
  const [returns, setReturns] = createSignal<Entry[]>([]);
  const [refusal, setRefusal] = createSignal<Refusal | null>(null);
  const [banner, setBanner] = createSignal<Banner | null>(null);
  const [announcement, setAnnouncement] = createSignal('');
  const [receipt, setReceipt] = createSignal<PrintDocument | null>(null);
  const [confirming, setConfirming] = createSignal<Refusal | null>(null);
  let input: HTMLInputElement | undefined;
  let dialog: HTMLDialogElement | undefined;

  // The remembered location if it still exists, else the first library (not a branch or station).
  createEffect(() => {
    const locs = reference.data()?.locations;
    if (!locs?.length) return;
    if (locs.some((l) => l.id === locationId())) return;
    const first = locs.find((l) => l.kind === 'library') ?? locs[0]!;
    setLocationId(first.id);
  });

  const focusScan = () => queueMicrotask(() => input?.focus());
  const announce = (text: string) => {
    // cleared first, so the same words twice are announced twice
    setAnnouncement('');
    queueMicrotask(() => setAnnouncement(text));
  };

  // ---- the queue: one request at a time, in scan order; a visit ended with Esc drops late answers ----
  let queue: Promise<void> = Promise.resolve();
  let visit = 0;
  let nextId = 1;
  const enqueue = (job: () => Promise<void>) => {
    queue = queue.then(job).catch(() => {});
  };
  const current = (v: number) => v === visit;

  const refuse = (r: Refusal) => {
    setBanner(null);
    setRefusal(r);
    errorBeep();
    const text = r.messageKey ? t(r.messageKey) : r.problem ? problemText(r.problem) : '';
    // the alert region announces itself; the status line keeps a record for the next scan
    setAnnouncement(text);
  };

  const overrideOffer = (p: ProblemInfo, label: MessageKey, run: () => void) =>
    p.overridable && can('circulation.override') ? { label, run } : undefined;

  // ---- 貸出 ----
  async function lookUpPatron(code: string, v: number) {
    try {
      const info = await fetchPatron(code);
      const [l, h] = await Promise.all([fetchLoans(info.id), fetchHolds(info.id)]);
      if (!current(v)) return;
      setPatron({ info, card: code, loans: l.loans, holds: h.holds });
      setRefusal(null);
      announce(t('counter.patronShown', { name: info.name, count: l.loans.length }));
    } catch (err) {
      if (!current(v)) return;
      const p = asProblem(err);
      refuse(p.code === 'notFound' ? { messageKey: 'counter.cardNotFound' } : { problem: p });
    }
  }

  const updateLoan = (id: number, patch: Partial<Entry>) =>
    setLoans((list) => list.map((e) => (e.id === id ? { ...e, ...patch } : e)));

  async function checkout(code: string, v: number, opts: { override?: boolean; entryId?: number } = {}) {
    const p = patron();
    if (!p) return;
    const id = opts.entryId ?? nextId++;
    if (opts.entryId) updateLoan(id, { state: 'pending', problem: undefined });
    else setLoans((list) => [{ id, barcode: code, state: 'pending' }, ...list]);
    const body: CheckoutBody = {
      patron: { cardBarcode: p.card },
      itemBarcode: code,
      locationId: locationId(),
      idempotencyKey: newIdempotencyKey(),
      ...(opts.override ? { override: true } : {}),
    };
    const send = () => call(api.circulation.checkout.$post({ json: body }));
    try {
      // a lost answer is retried once with the same key: the core never lends twice for one key
      const res = await send().catch((err) => (isNetwork(err) ? send() : Promise.reject(err)));
      if (!current(v)) return;
      updateLoan(id, { state: 'done', title: res.title, dueOn: res.dueOn, loanId: res.loanId });
      setPatron((cur) =>
        cur && !cur.loans.some((l) => l.loanId === res.loanId)
          ? {
              ...cur,
              loans: [
                {
                  loanId: res.loanId,
                  itemId: res.itemId,
                  itemBarcode: res.itemBarcode,
                  title: res.title,
                  callNumber: '',
                  loanedAt: new Date().toISOString(),
                  dueOn: res.dueOn,
                  renewals: 0,
                  overdue: false,
                },
                ...cur.loans,
              ],
            }
          : cur,
      );
      setRefusal(null);
      setBanner(null);
      announce(t('counter.checkedOut', { title: res.title, date: dayText(res.dueOn) }));
    } catch (err) {
      if (!current(v)) return;
      const problem = asProblem(err);
      updateLoan(id, { state: 'refused', problem });
      refuse({
        problem,
        barcode: code,
        retry: overrideOffer(problem, 'counter.override', () =>
          enqueue(() => checkout(code, v, { override: true, entryId: id })),
        ),
      });
    }
  }

  async function renew(loan: Loan, override = false) {
    const v = visit;
    try {
      const res = await call(
        api.circulation.renew.$post({
          json: { loanId: loan.loanId, ...(override ? { override: true } : {}) },
        }),
      );
      if (!current(v)) return;
      setPatron((cur) =>
        cur
          ? {
              ...cur,
              loans: cur.loans.map((l) =>
                l.loanId === loan.loanId
                  ? { ...l, dueOn: res.dueOn, renewals: res.renewals, overdue: false }
                  : l,
              ),
            }
          : cur,
      );
      setLoans((list) => list.map((e) => (e.loanId === loan.loanId ? { ...e, dueOn: res.dueOn } : e)));
      setRefusal(null);
      announce(t('counter.renewed', { title: res.title, date: dayText(res.dueOn) }));
    } catch (err) {
      if (!current(v)) return;
      const problem = asProblem(err);
      refuse({
        problem,
        barcode: loan.itemBarcode,
        retry: overrideOffer(problem, 'counter.overrideRenew', () => void renew(loan, true)),
      });
    } finally {
      focusScan();
    }
  }

  // ---- 返却 ----
  async function giveBack(code: string, v: number) {
    const id = nextId++;
    setReturns((list) => [{ id, barcode: code, state: 'pending' }, ...list]);
    const update = (patch: Partial<Entry>) =>
      setReturns((list) => list.map((e) => (e.id === id ? { ...e, ...patch } : e)));
    try {
      const res = await sendReturn(code, locationId());
      if (!current(v)) return;
      update({ state: 'done', title: res.title, returned: res });
      setRefusal(null);
      // the patron on screen may be the one bringing it back
      setPatron((cur) =>
        cur?.loans.some((l) => l.itemId === res.itemId)
          ? { ...cur, loans: cur.loans.filter((l) => l.itemId !== res.itemId) }
          : cur,
      );
      const b = bannerFor(res);
      setBanner(b);
      if (b?.kind === 'hold') holdBeep();
      else if (b?.kind === 'route') routeBeep();
      announce(
        [t('counter.returnedSay', { title: res.title }), b?.text, b?.detail].filter(Boolean).join('。'),
      );
    } catch (err) {
      if (!current(v)) return;
      const problem = asProblem(err);
      update({ state: 'refused', problem });
      refuse({ problem, barcode: code });
    }
  }

  function bannerFor(res: ReturnResult): Banner | null {
    if (res.hold) {
      const detail = res.hold.pickupBy ? t('counter.holdPickupBy', { date: dayText(res.hold.pickupBy) }) : '';
      return res.hold.status === 'available'
        ? { kind: 'hold', text: t('counter.holdShelf'), ...(detail ? { detail } : {}) }
        : { kind: 'hold', text: t('counter.holdTransit', { place: res.hold.pickupLocationJa }) };
    }
    if (res.routeTo) return { kind: 'route', text: t('counter.route', { place: res.routeTo.nameJa }) };
    return null;
  }

  // ---- the scan field ----
  const scanLabel = (): MessageKey =>
    mode() === 'return' ? 'counter.scan.return' : patron() ? 'counter.scan.item' : 'counter.scan.card';

  /**
   * Every scan takes this one path: typed by a keyboard-wedge reader into the field, or read by the
   * desk's HID-POS/serial reader and delivered by the core to this paired screen.
   */
  const acceptScan = (raw: string) => {
    const code = cleanScan(raw);
    if (!code) return;
    if (PAIRING_CODE.test(code)) {
      // a wedge reader typed the pairing barcode: it needs no pairing, and it is no card or item
      refuse({ messageKey: 'scanner.wedge' });
      return;
    }
    if (!locationId()) {
      refuse({ messageKey: 'counter.noLocation' });
      return;
    }
    const v = visit;
    setBanner(null);
    if (mode() === 'return') enqueue(() => giveBack(code, v));
    // decided when its turn comes: scans right after a card wait for the patron, then lend
    else enqueue(() => (patron() ? checkout(code, v) : lookUpPatron(code, v)));
  };

  const onScan: JSX.EventHandler<HTMLFormElement, SubmitEvent> = (e) => {
    e.preventDefault();
    const raw = input?.value ?? '';
    if (input) input.value = '';
    acceptScan(raw);
  };

  // scans from a paired reader are ignored while the override dialog asks its question
  const scanner = createScannerLink((data) => {
    if (!dialog?.open) acceptScan(data);
  });

  const switchMode = (m: Mode) => {
    if (m === 'checkout' ? !mayCheckout() : !mayReturn()) return;
    setMode(m);
    setRefusal(null);
    setBanner(null);
    focusScan();
  };

  const nextPatron = () => {
    visit++;
    setPatron(null);
    setLoans([]);
    setReturns([]);
    setRefusal(null);
    setBanner(null);
    setReceipt(null);
    announce(t('counter.nextPatron'));
    focusScan();
  };

  // ---- receipt ----
  const sessionLoans = () => loans().filter((e) => e.state === 'done' && e.title && e.dueOn);
  const printReceipt = () => {
    const p = patron();
    if (!p || sessionLoans().length === 0) return;
    setReceipt(
      checkoutReceipt({
        libraryNameJa: me()?.tenant.nameJa ?? '',
        cardBarcode: p.card,
        // in the order they were lent
        loans: [...sessionLoans()]
          .reverse()
          .map((e) => ({ title: e.title!, itemBarcode: e.barcode, dueOn: e.dueOn! })),
        printedAt: new Date(),
      }),
    );
    // after the preview is in the page: the print stylesheet prints only it
    requestAnimationFrame(() => {
      window.print();
      focusScan();
    });
  };

  // ---- override, confirmed in a modal dialog ----
  const askOverride = (r: Refusal) => {
    setConfirming(r);
    dialog?.showModal();
  };
  const closeDialog = (proceed: boolean) => {
    const r = confirming();
    dialog?.close();
    setConfirming(null);
    if (proceed) r?.retry?.run();
    focusScan();
  };

  // ---- keys: F2/F3 (Alt+1/Alt+2) switch, Esc ends the visit, F8 prints; stray typing goes to the field ----
  const onKey = (e: KeyboardEvent) => {
    if (dialog?.open) return;
    const alt = e.altKey && !e.ctrlKey && !e.metaKey;
    if (e.key === 'F2' || (alt && e.code === 'Digit1')) {
      e.preventDefault();
      switchMode('checkout');
    } else if (e.key === 'F3' || (alt && e.code === 'Digit2')) {
      e.preventDefault();
      switchMode('return');
    } else if (e.key === 'Escape') {
      e.preventDefault();
      nextPatron();
    } else if (e.key === 'F8') {
      e.preventDefault();
      printReceipt();
    } else if (e.key.length === 1 && e.key !== ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // a scan while focus is on a button: move to the field before the character lands (Space still presses it)
      const el = e.target as HTMLElement | null;
      const editable = el?.closest('input, textarea, select, [contenteditable="true"]');
      if (!editable) input?.focus();
    }
  };
  onMount(() => {
    document.addEventListener('keydown', onKey);
    focusScan();
  });
  onCleanup(() => document.removeEventListener('keydown', onKey));

  const todayNow = () => todayInTokyo();
  const categoryName = (p: Patron) => {
    const cat = reference.data()?.patronCategories.find((c) => c.code === p.info.category.code);
    return cat ? pick(cat.nameJa, cat.nameEn) : p.info.category.nameJa;
  };
  const statusKey = (status: string): MessageKey =>
    status === 'suspended'
      ? 'counter.status.suspended'
      : status === 'expired'
        ? 'counter.status.expired'
        : status === 'deleted'
          ? 'counter.status.deleted'
          : 'counter.status.active';
  const ready = (p: Patron) => p.holds.filter((h) => h.status === 'available');
  const alerts = (p: Patron) => {
    const today = todayNow();
    const out: { level: 'danger' | 'warn' | 'info'; text: string }[] = [];
    if (p.info.status === 'suspended' || p.info.status === 'deleted')
      out.push({ level: 'danger', text: t('counter.alert.suspended') });
    if (p.info.status === 'expired' || p.info.expiresOn < today)
      out.push({ level: 'danger', text: t('counter.alert.expired', { date: dayText(p.info.expiresOn) }) });
    else if (p.info.expiresOn <= addDays(today, 30))
      out.push({ level: 'warn', text: t('counter.alert.expiresSoon', { date: dayText(p.info.expiresOn) }) });
    const overdue = p.loans.filter((l) => l.overdue).length;
    if (overdue) out.push({ level: 'danger', text: t('counter.alert.overdue', { count: overdue }) });
    if (ready(p).length)
      out.push({ level: 'info', text: t('counter.alert.holdsReady', { count: ready(p).length }) });
    // staff alerts on the patron (注意事項), as entered
    for (const a of p.info.alerts ?? [])
      out.push({ level: 'warn', text: `${t('counter.alert.staffNote')}: ${a.text}` });
    return out;
  };
  const lentNow = (loanId: string) => loans().some((e) => e.loanId === loanId);

  return (
    <section class="counter" aria-labelledby="page-title">
      <div class="counter-top">
        <h1 id="page-title">{t('nav.circulation')}</h1>
        {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of toggle buttons, not a form fieldset */}
        <div class="mode-switch" role="group" aria-label={t('counter.mode')}>
          <button
            type="button"
            aria-pressed={mode() === 'checkout'}
            aria-keyshortcuts="F2 Alt+1"
            disabled={!mayCheckout()}
            onClick={() => switchMode('checkout')}
          >
            {t('counter.mode.checkout')} <kbd>F2</kbd>
          </button>
          <button
            type="button"
            aria-pressed={mode() === 'return'}
            aria-keyshortcuts="F3 Alt+2"
            disabled={!mayReturn()}
            onClick={() => switchMode('return')}
          >
            {t('counter.mode.return')} <kbd>F3</kbd>
          </button>
        </div>
        <div class="field counter-location">
          <label for="counter-location">{t('counter.location')}</label>
          <select
            id="counter-location"
            aria-describedby="counter-location-hint"
            value={locationId()}
            onChange={(e) => {
              setLocationId(e.currentTarget.value);
              storeLocation(e.currentTarget.value);
              focusScan();
            }}
          >
            <For each={reference.data()?.locations ?? []}>
              {(l) => (
                <option value={l.id} selected={l.id === locationId()}>
                  {pick(l.nameJa, l.nameEn)}
                </option>
              )}
            </For>
          </select>
          <p id="counter-location-hint" class="hint">
            {t('counter.locationHint')}
          </p>
        </div>
        <ScannerControl link={scanner} onDone={focusScan} />
      </div>

      <form class="scan-form" onSubmit={onScan}>
        <label for="counter-scan">{t(scanLabel())}</label>
        <div class="scan-row">
          <input
            id="counter-scan"
            ref={input}
            class="scan-input"
            name="scan"
            autocomplete="off"
            autocapitalize="off"
            spellcheck={false}
            maxLength={64}
            aria-describedby="counter-scan-hint"
          />
          <button type="button" class="button-quiet" aria-keyshortcuts="Escape" onClick={nextPatron}>
            {t('counter.nextPatron')} <kbd>Esc</kbd>
          </button>
        </div>
        <p id="counter-scan-hint" class="hint">
          {t('counter.scan.hint')}{' '}
          <span class="keys">
            {t('counter.keys')}: <kbd>F2</kbd> {t('counter.key.checkout')} · <kbd>F3</kbd>{' '}
            {t('counter.key.return')} · <kbd>Esc</kbd> {t('counter.key.next')} · <kbd>F8</kbd>{' '}
            {t('counter.key.print')}
          </span>
        </p>
      </form>

      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement()}
      </p>

      <Show when={refusal()}>
        {(r) => (
          <div class="refusal" role="alert">
            <p class="refusal-message">{r().messageKey ? t(r().messageKey!) : problemText(r().problem!)}</p>
            <Show when={r().barcode}>
              <p class="refusal-meta">{t('counter.itemLabel', { barcode: r().barcode! })}</p>
            </Show>
            <Show when={r().retry}>
              {(retry) => (
                <button type="button" class="button-danger" onClick={() => askOverride(r())}>
                  {t(retry().label)}
                </button>
              )}
            </Show>
          </div>
        )}
      </Show>

      <Show when={banner()}>
        {(b) => (
          <div class={`route-banner route-banner-${b().kind}`} role="alert">
            <p class="route-banner-text">{b().text}</p>
            <Show when={b().detail}>
              <p class="route-banner-detail">{b().detail}</p>
            </Show>
          </div>
        )}
      </Show>

      <div class="counter-body">
        <div class="counter-feed">
          <Switch>
            <Match when={mode() === 'checkout'}>
              <div class="feed-head">
                <h2 id="session-title">{t('counter.session', { count: sessionLoans().length })}</h2>
                <button
                  type="button"
                  class="button-quiet"
                  aria-keyshortcuts="F8"
                  disabled={!patron() || sessionLoans().length === 0}
                  onClick={printReceipt}
                >
                  {t('counter.print')} <kbd>F8</kbd>
                </button>
              </div>
              <Show when={loans().length} fallback={<p class="notice">{t('counter.sessionNone')}</p>}>
                <ul class="feed" aria-labelledby="session-title">
                  <For each={loans()}>
                    {(e) => (
                      <li class={`feed-item feed-${e.state}`}>
                        <Switch>
                          <Match when={e.state === 'pending'}>
                            <span class="feed-title">
                              <code>{e.barcode}</code> {t('counter.pending')}
                            </span>
                          </Match>
                          <Match when={e.state === 'done'}>
                            <span class="feed-title">{e.title}</span>
                            <span class="feed-meta">
                              <code>{e.barcode}</code> {t('counter.due')} <DueDate day={e.dueOn!} />
                            </span>
                          </Match>
                          <Match when={e.state === 'refused'}>
                            <span class="feed-title">
                              <code>{e.barcode}</code> {t('counter.refusedRow')}
                            </span>
                            <span class="feed-meta feed-error">{problemText(e.problem!)}</span>
                          </Match>
                        </Switch>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </Match>
            <Match when={mode() === 'return'}>
              <div class="feed-head">
                <h2 id="returns-title">
                  {t('counter.returns', { count: returns().filter((e) => e.state === 'done').length })}
                </h2>
              </div>
              <Show when={returns().length} fallback={<p class="notice">{t('counter.returnsNone')}</p>}>
                <ul class="feed" aria-labelledby="returns-title">
                  <For each={returns()}>
                    {(e) => (
                      <li class={`feed-item feed-${e.state}`}>
                        <Switch>
                          <Match when={e.state === 'pending'}>
                            <span class="feed-title">
                              <code>{e.barcode}</code> {t('counter.pending')}
                            </span>
                          </Match>
                          <Match when={e.returned}>
                            {(r) => (
                              <>
                                <span class="feed-title">{r().title}</span>
                                <span class="feed-meta">
                                  <code>{r().itemBarcode}</code>{' '}
                                  <span class="badge">{t('counter.returned')}</span>
                                  <Show when={r().wasOverdue}>
                                    {' '}
                                    <span class="badge badge-overdue">{t('counter.wasOverdue')}</span>
                                  </Show>
                                  <Show when={!r().wasOnLoan}> {t('counter.notOnLoan')}</Show>
                                  <Show when={r().hold}>
                                    {(h) => (
                                      <span class="badge badge-hold">
                                        {h().status === 'available'
                                          ? t('counter.holdShelf')
                                          : t('counter.holdTransit', { place: h().pickupLocationJa })}
                                      </span>
                                    )}
                                  </Show>
                                  <Show when={r().routeTo}>
                                    {(to) => (
                                      <span class="badge badge-route">
                                        {t('counter.route', { place: to().nameJa })}
                                      </span>
                                    )}
                                  </Show>
                                </span>
                              </>
                            )}
                          </Match>
                          <Match when={e.state === 'refused'}>
                            <span class="feed-title">
                              <code>{e.barcode}</code>
                            </span>
                            <span class="feed-meta feed-error">{problemText(e.problem!)}</span>
                          </Match>
                        </Switch>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </Match>
          </Switch>
        </div>

        <Show when={patron()}>
          {(p) => (
            <aside class="counter-patron card" aria-labelledby="patron-title">
              <h2 id="patron-title">
                {t('counter.patron')}: <span class="patron-name">{p().info.name}</span>
              </h2>
              <dl class="details">
                <div>
                  <dt>{t('patrons.category')}</dt>
                  <dd>{categoryName(p())}</dd>
                </div>
                <div>
                  <dt>{t('patrons.status')}</dt>
                  <dd>
                    {t(
                      statusKey(
                        p().info.status === 'active' && p().info.expiresOn < todayNow()
                          ? 'expired'
                          : p().info.status,
                      ),
                    )}
                  </dd>
                </div>
                <div>
                  <dt>{t('patrons.expiresOn')}</dt>
                  <dd>
                    <DueDate day={p().info.expiresOn} />
                  </dd>
                </div>
              </dl>
              <Show when={alerts(p()).length}>
                <h3>{t('counter.alerts')}</h3>
                <ul class="patron-alerts">
                  <For each={alerts(p())}>
                    {(a) => <li class={`patron-alert patron-alert-${a.level}`}>{a.text}</li>}
                  </For>
                </ul>
              </Show>
              <Show when={ready(p()).length}>
                <h3>{t('counter.holdsReady')}</h3>
                <ul class="plain holds-ready">
                  <For each={ready(p())}>
                    {(h) => (
                      <li>
                        <span class="title">{h.title}</span>
                        <span class="reading">
                          {t('counter.holdReadyAt', {
                            place: h.pickupLocationJa,
                            date: h.pickupBy ? dayText(h.pickupBy) : '—',
                          })}
                        </span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show when={can('holds.manage')}>
                <CounterHoldForm
                  patronId={p().info.id}
                  pickupLocationId={locationId()}
                  onPlaced={(title, position) => {
                    announce(t('counter.holdPlaced', { title, position }));
                    void fetchHolds(p().info.id).then((h) =>
                      setPatron((cur) =>
                        cur && cur.info.id === p().info.id ? { ...cur, holds: h.holds } : cur,
                      ),
                    );
                  }}
                />
              </Show>
              <h3 id="patron-loans-title">{t('counter.loans', { count: p().loans.length })}</h3>
              <Show when={p().loans.length} fallback={<p class="muted">{t('counter.loansNone')}</p>}>
                <ul class="plain patron-loans" aria-labelledby="patron-loans-title">
                  <For each={p().loans}>
                    {(l) => (
                      <li classList={{ 'loan-overdue': l.overdue }}>
                        <div class="loan-text">
                          <span class="title">{l.title}</span>
                          <span class="loan-meta">
                            <code>{l.itemBarcode}</code> {t('counter.due')} <DueDate day={l.dueOn} />
                            <Show when={l.overdue}>
                              {' '}
                              <span class="badge badge-overdue">{t('counter.overdue')}</span>
                            </Show>
                            <Show when={lentNow(l.loanId)}>
                              {' '}
                              <span class="badge badge-now">{t('counter.thisVisit')}</span>
                            </Show>
                          </span>
                        </div>
                        <Show when={can('circulation.renew')}>
                          <button
                            type="button"
                            class="button-quiet"
                            aria-label={t('counter.renewFor', { title: l.title })}
                            onClick={() => void renew(l)}
                          >
                            {t('counter.renew')}
                          </button>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </aside>
          )}
        </Show>
      </div>

      <Show when={receipt()}>
        {(doc) => (
          <section class="receipt-preview" aria-labelledby="receipt-title">
            <div class="receipt-chrome">
              <h2 id="receipt-title">{t('counter.receipt')}</h2>
              <button
                type="button"
                class="button-quiet"
                onClick={() => {
                  setReceipt(null);
                  focusScan();
                }}
              >
                {t('counter.closePreview')}
              </button>
            </div>
            <PrintPreview doc={doc()} label={t('counter.receipt')} />
          </section>
        )}
      </Show>

      <dialog
        ref={dialog}
        class="confirm-dialog"
        aria-labelledby="override-title"
        onCancel={(e) => {
          e.preventDefault();
          closeDialog(false);
        }}
      >
        <h2 id="override-title">{t('counter.overrideTitle')}</h2>
        <p>
          {t('counter.overrideConfirm', {
            reason: confirming()?.problem ? problemText(confirming()!.problem!) : '',
          })}
        </p>
        <div class="dialog-actions">
          <button type="button" class="button-danger" onClick={() => closeDialog(true)}>
            {confirming() ? t(confirming()!.retry?.label ?? 'counter.overrideYes') : t('counter.overrideYes')}
          </button>
          <button type="button" class="button-quiet" autofocus onClick={() => closeDialog(false)}>
            {t('counter.overrideNo')}
          </button>
        </div>
      </dialog>
    </section>
  );
}
