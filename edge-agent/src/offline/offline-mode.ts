import { writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type OfflinePackage, offlineReceipt, type PrintDocument } from '@bunko/protocols';
import type { Logger } from 'pino';
import { startLocalServer } from './local-server.ts';
import { OfflineCounter, type Recorded, type Refusal } from './offline-counter.ts';
import { OfflineJournal } from './offline-journal.ts';
import { OfflineSync } from './offline-sync.ts';
import { loadPackage, savePackage } from './package-store.ts';

export type OfflineSettings = {
  bookmobileId: string;
  host: string;
  port: number;
  packageIntervalMinutes: number;
};

/**
 * Print one receipt on the bookmobile's receipt printer through the agent's print jobs: the job id
 * is the operation's, so a receipt is printed at most once however often it is asked for.
 */
export type ReceiptPrinter = (
  jobId: string,
  document: PrintDocument,
) => Promise<{ ok: boolean; error?: { code: string; message: string } }>;

/** What the page is told about the receipt: being printed, or no receipt printer on this agent. */
export type ReceiptState = 'printing' | 'noPrinter';

/** Where the agent writes the local counter's address (the port may be chosen by the OS). */
export const LOCAL_URL_FILE = 'local-url.txt';

/**
 * The bookmobile's offline circulation, as one part of the agent: the journal and package in
 * `<dataDir>/offline`, the loopback counter page, and the replay over the agent's MQTT link.
 */
export class OfflineMode {
  private journal: OfflineJournal | undefined;
  private pkg: OfflinePackage | null = null;
  private server: Server | undefined;
  sync: OfflineSync | undefined;
  url = '';

  constructor(
    private readonly settings: OfflineSettings,
    private readonly deps: {
      dataDir: string;
      logger: Logger;
      now: () => Date;
      publish: (payload: string) => Promise<unknown> | undefined;
      connected: () => boolean;
      /** the receipt printer for offline loans and returns; none: no receipts */
      printReceipt?: ReceiptPrinter | undefined;
    },
  ) {}

  async start(): Promise<void> {
    const dir = join(this.deps.dataDir, 'offline');
    const log = this.deps.logger.child({ ns: 'offline' });
    this.journal = await OfflineJournal.open(dir, this.deps.now);
    this.pkg = await loadPackage(dir);
    const journal = this.journal;
    this.sync = new OfflineSync({
      bookmobileId: this.settings.bookmobileId,
      journal,
      packageVersion: () => this.pkg?.version,
      onPackage: async (pkg) => {
        await savePackage(dir, pkg);
        this.pkg = pkg;
        log.info({ version: pkg.version, items: Object.keys(pkg.items).length }, 'offline package updated');
      },
      publish: this.deps.publish,
      connected: this.deps.connected,
      packageIntervalMs: this.settings.packageIntervalMinutes * 60_000,
      log,
      now: this.deps.now,
    });
    const counter = new OfflineCounter({ journal, pkg: () => this.pkg, now: this.deps.now });
    const print = this.deps.printReceipt;
    const receipt = (r: Recorded) => {
      const op = r.operation;
      const document = offlineReceipt({
        kind: op.kind,
        stationNameJa: this.pkg?.stations.find((s) => s.locationId === op.locationId)?.nameJa ?? '',
        at: new Date(op.at),
        itemBarcode: op.itemBarcode,
        title: r.title,
        cardBarcode: op.patronBarcode && counter.canonical(op.patronBarcode, 'patronCard'),
        dueOn: op.dueOn,
      });
      // after the answer: the loan stands whether or not the paper comes out; the log names no one
      void print!(`offline-${op.id}`, document)
        .then((out) => {
          if (!out.ok) log.warn({ op: op.id, code: out.error?.code }, 'offline receipt not printed');
        })
        .catch((err: Error) => log.warn({ op: op.id, err: err.message }, 'offline receipt not printed'));
    };
    const recorded = (r: Refusal | Recorded): Refusal | (Recorded & { receipt: ReceiptState }) => {
      if (!r.ok) return r;
      if (this.deps.connected()) this.sync?.kick();
      // a retry of an operation already recorded has had its receipt
      if (print && !r.repeated) receipt(r);
      return { ...r, receipt: print ? 'printing' : 'noPrinter' };
    };
    const listening = startLocalServer({
      host: this.settings.host,
      port: this.settings.port,
      counter: {
        checkout: async (input) => recorded(await counter.checkout(input)),
        return: async (input) => recorded(await counter.return(input)),
      },
      status: () => ({
        online: this.deps.connected(),
        package: this.pkg
          ? {
              version: this.pkg.version,
              generatedAt: this.pkg.generatedAt,
              items: Object.keys(this.pkg.items).length,
              blocked: Object.keys(this.pkg.blocked).length,
            }
          : null,
        stations: (this.pkg?.stations ?? []).map((s) => ({ locationId: s.locationId, nameJa: s.nameJa })),
        station: counter.station()?.locationId ?? null,
        pending: journal
          .pending()
          .map((op) => ({ at: op.at, kind: op.kind, itemBarcode: op.itemBarcode, dueOn: op.dueOn })),
        lastReplayAt: this.sync?.lastReplayAt?.toISOString() ?? null,
      }),
    });
    // A port already taken must not take the agent (printers, readers, replay) down with it.
    this.server = await listening.catch((err: NodeJS.ErrnoException) => {
      log.error({ err: err.message, port: this.settings.port }, 'offline counter page could not listen');
      return undefined;
    });
    if (!this.server) return;
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.settings.port;
    this.url = `http://${this.settings.host}:${port}/`;
    await writeFile(join(dir, LOCAL_URL_FILE), `${this.url}\n`, { mode: 0o600 });
    log.info({ url: this.url, pending: journal.pending().length }, 'offline counter ready');
  }

  onConnect(): void {
    this.sync?.onConnect();
  }

  onMessage(payload: Buffer): void {
    this.sync?.onMessage(payload);
  }

  async stop(): Promise<void> {
    this.sync?.stop();
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await this.journal?.close();
  }
}
