import ipp, { type IppAttribute, type IppMessage } from 'ipp-encoder';
import { PrintError } from './drivers/types.ts';

/**
 * The IPP subset the agent needs (RFC 8011 operations over RFC 8010 encoding, POSTed to the printer
 * URL): Print-Job, Get-Job-Attributes, Get-Printer-Attributes. The binary encoding is ipp-encoder's;
 * the HTTP exchange and the meaning of the answers are here.
 */
const C = ipp.CONSTANTS as Record<string, number> & {
  OPERATION_ATTRIBUTES_TAG: number;
  JOB_ATTRIBUTES_TAG: number;
  PRINTER_ATTRIBUTES_TAG: number;
};

export const JOB_STATES = {
  3: 'pending',
  4: 'pending-held',
  5: 'processing',
  6: 'processing-stopped',
  7: 'canceled',
  8: 'aborted',
  9: 'completed',
} as const;
export type IppJobState = (typeof JOB_STATES)[keyof typeof JOB_STATES];
export const isTerminal = (s: IppJobState) => s === 'canceled' || s === 'aborted' || s === 'completed';

const PRINTER_STATES = { 3: 'idle', 4: 'processing', 5: 'stopped' } as const;
export type IppPrinterState = {
  state: (typeof PRINTER_STATES)[keyof typeof PRINTER_STATES];
  /** printer-state-reasons without `none`, e.g. media-empty-error, cover-open */
  reasons: string[];
  message: string;
  acceptingJobs: boolean;
};

export type IppJob = { jobId: number; state: IppJobState; reasons: string[] };

/** ipp://host[:631]/path → http://host:631/path; ipps:// → https:// (port 443 unless given). */
export function httpUrl(printerUri: string): string {
  const u = new URL(printerUri);
  // URL refuses to change a custom scheme into a special one, so the address is put together anew
  const scheme = { 'ipp:': 'http', 'ipps:': 'https', 'http:': 'http', 'https:': 'https' }[u.protocol];
  if (!scheme) throw new Error(`not an IPP URL: ${printerUri}`);
  const port = u.port || (u.protocol === 'ipp:' ? '631' : '');
  return `${scheme}://${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}${port ? `:${port}` : ''}${u.pathname}${u.search}`;
}

const attr = (tag: string, name: string, value: unknown): IppAttribute => ({
  tag: C[tag]!,
  name,
  value: Array.isArray(value) ? value : [value],
});

const first = (attrs: Map<string, unknown[]>, name: string) => attrs.get(name)?.[0];

export class IppClient {
  private requestId = 0;
  private readonly endpoint: string;

  constructor(
    readonly printerUri: string,
    private readonly opts: { timeoutMs: number; userName: string },
  ) {
    this.endpoint = httpUrl(printerUri);
  }

  private operation(extra: IppAttribute[]): IppAttribute[] {
    return [
      attr('CHARSET', 'attributes-charset', 'utf-8'),
      attr('NATURAL_LANG', 'attributes-natural-language', 'ja-jp'),
      attr('URI', 'printer-uri', this.printerUri),
      attr('NAME_WITHOUT_LANG', 'requesting-user-name', this.opts.userName),
      ...extra,
    ];
  }

  /**
   * One IPP request. `sent` tells the caller whether the request may have reached the printer:
   * a refused connection or a DNS failure did not; anything after the body went out may have.
   */
  private async call(
    operationId: number,
    operationAttrs: IppAttribute[],
    document?: Uint8Array,
  ): Promise<Map<string, unknown[]>> {
    const header = ipp.request.encode({
      version: { major: 1, minor: 1 },
      operationId,
      requestId: ++this.requestId,
      groups: [{ tag: C.OPERATION_ATTRIBUTES_TAG, attributes: this.operation(operationAttrs) }],
    });
    const body = document ? Buffer.concat([header, document]) : header;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/ipp' },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if ((err as Error).name === 'TimeoutError')
        throw new PrintError(
          'printerTimeout',
          `IPP printer ${this.printerUri} did not answer in time`,
          false,
        );
      throw new PrintError(
        'printerUnreachable',
        `IPP printer ${this.printerUri} is unreachable (${cause ?? (err as Error).message})`,
        cause === 'ECONNREFUSED' || cause === 'ENOTFOUND' || cause === 'EHOSTUNREACH',
      );
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok || !res.headers.get('content-type')?.startsWith('application/ipp'))
      throw new PrintError(
        'printFailed',
        `IPP printer ${this.printerUri} answered HTTP ${res.status}`,
        false,
      );
    let msg: IppMessage;
    try {
      msg = ipp.response.decode(bytes);
    } catch {
      throw new PrintError('printFailed', `IPP printer ${this.printerUri} sent an unreadable answer`, false);
    }
    const attrs = new Map<string, unknown[]>();
    for (const g of msg.groups) for (const a of g.attributes) attrs.set(a.name, a.value);
    const status = msg.statusCode ?? 0xffff;
    if (status >= 0x0100) {
      const text = String(first(attrs, 'status-message') ?? ipp.STATUS_CODES[status] ?? status.toString(16));
      throw new IppStatusError(status, `IPP printer ${this.printerUri} refused: ${text}`);
    }
    return attrs;
  }

  /** Print-Job: the PDF goes in the same request. Resolves with the printer's job id and state. */
  async printJob(pdf: Uint8Array, jobName: string): Promise<IppJob> {
    const attrs = await this.call(
      C.PRINT_JOB!,
      [
        attr('NAME_WITHOUT_LANG', 'job-name', jobName),
        attr('MIME_MEDIA_TYPE', 'document-format', 'application/pdf'),
      ],
      pdf,
    );
    return jobOf(attrs);
  }

  async getJob(jobId: number): Promise<IppJob> {
    const attrs = await this.call(C.GET_JOB_ATTRIBUTES!, [
      attr('INTEGER', 'job-id', jobId),
      attr('KEYWORD', 'requested-attributes', ['job-id', 'job-state', 'job-state-reasons']),
    ]);
    return jobOf(attrs);
  }

  async getPrinter(): Promise<IppPrinterState> {
    const attrs = await this.call(C.GET_PRINTER_ATTRIBUTES!, [
      attr('KEYWORD', 'requested-attributes', [
        'printer-state',
        'printer-state-reasons',
        'printer-state-message',
        'printer-is-accepting-jobs',
      ]),
    ]);
    const state = PRINTER_STATES[Number(first(attrs, 'printer-state')) as 3 | 4 | 5] ?? 'stopped';
    return {
      state,
      reasons: keywords(attrs.get('printer-state-reasons')),
      message: String(first(attrs, 'printer-state-message') ?? ''),
      acceptingJobs: first(attrs, 'printer-is-accepting-jobs') !== false,
    };
  }
}

/** An IPP status code outside the successful range (RFC 8011 §4.1.6.1). */
export class IppStatusError extends PrintError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    // client-error-* and server-error-not-accepting-jobs/busy/temporary: the job was not accepted
    super(
      'printFailed',
      message,
      status < 0x0500 || status === 0x0505 || status === 0x0506 || status === 0x0507,
    );
  }
}

const keywords = (v: unknown[] | undefined) => (v ?? []).map(String).filter((k) => k && k !== 'none');

function jobOf(attrs: Map<string, unknown[]>): IppJob {
  const jobId = Number(first(attrs, 'job-id'));
  if (!Number.isInteger(jobId)) throw new PrintError('printFailed', 'the IPP answer has no job-id', false);
  return {
    jobId,
    state: JOB_STATES[Number(first(attrs, 'job-state')) as keyof typeof JOB_STATES] ?? 'pending',
    reasons: keywords(attrs.get('job-state-reasons')),
  };
}
