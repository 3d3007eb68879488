import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A CUPS queue in front of cups-pdf, set up idempotently for the IPP tests: the scheduler is started
 * when it is not running, and the queue is (re)created with lpadmin. `reason` says why not, when not.
 */
export const CUPS_PDF_QUEUE = 'bunko-test-pdf';
const PPD = '/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd';

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function setUpCupsPdf(): { ok: true; url: string } | { ok: false; reason: string } {
  if (run('lpstat', ['-r']).status !== 0 && !existsSync('/usr/sbin/cupsd'))
    return {
      ok: false,
      reason: 'CUPS is not installed (apt-get install cups cups-ipp-utils printer-driver-cups-pdf)',
    };
  if (!existsSync(PPD))
    return { ok: false, reason: 'cups-pdf is not installed (apt-get install printer-driver-cups-pdf)' };
  const running = () => /scheduler is running/.test(run('lpstat', ['-r']).stdout ?? '');
  if (!running()) {
    const started = run('/usr/sbin/cupsd', []);
    if (started.error || started.status !== 0)
      return { ok: false, reason: `cupsd could not start: ${started.stderr || started.error?.message}` };
    for (let i = 0; i < 50 && !running(); i++) sleep(100);
    if (!running()) return { ok: false, reason: 'cupsd started but the scheduler does not answer' };
  }
  // pdftocairo turns the PDF into the PostScript cups-pdf takes with the glyphs' Unicode kept, so
  // the PDF cups-pdf writes still has text (poppler's pdftops and gs renderers lose it for CID fonts).
  const added = run('lpadmin', [
    '-p',
    CUPS_PDF_QUEUE,
    '-v',
    'cups-pdf:/',
    '-P',
    PPD,
    '-o',
    'pdftops-renderer-default=pdftocairo',
    '-E',
  ]);
  if (added.status !== 0) return { ok: false, reason: `lpadmin failed: ${added.stderr}` };
  run('cupsenable', [CUPS_PDF_QUEUE]);
  run('cupsaccept', [CUPS_PDF_QUEUE]);
  return { ok: true, url: `ipp://127.0.0.1:631/printers/${CUPS_PDF_QUEUE}` };
}

/** Where cups-pdf writes: the anonymous directory (jobs from users unknown here) and root's Out. */
export function cupsPdfOutputDirs(): string[] {
  let conf = '';
  try {
    conf = readFileSync('/etc/cups/cups-pdf.conf', 'utf8');
  } catch {}
  const key = (k: string) => conf.match(new RegExp(`^${k}\\s+(.+)$`, 'm'))?.[1]?.trim();
  const anon = key('AnonDirName') ?? '/var/spool/cups-pdf/ANONYMOUS';
  // cups-pdf writes its own placeholder, "$" + "{HOME}", for the user's home directory
  const home = `$${'{'}HOME}`;
  const out = (key('Out') ?? `${home}/PDF`).replace(home, homedir());
  return [anon, out];
}

/** The PDF cups-pdf wrote for a job name (its file name starts with the job's title). */
export function findCupsPdfOutput(jobName: string): string | undefined {
  for (const dir of cupsPdfOutputDirs()) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hit = names.find((n) => n.startsWith(jobName) && n.endsWith('.pdf'));
    if (hit) return join(dir, hit);
  }
  return undefined;
}

export const pdfToText = (path: string) => run('pdftotext', ['-layout', path, '-']).stdout ?? '';

export const cupsDisable = (stop: boolean) =>
  run(stop ? 'cupsdisable' : 'cupsenable', [CUPS_PDF_QUEUE]).status === 0;
