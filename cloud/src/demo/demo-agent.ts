import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { agents } from '../db/schema/index.ts';
import { hashPassword } from '../domain/auth/passwords.ts';

export const DEMO_AGENT = { code: 'demo-counter', nameJa: 'カウンター端末(デモ)' } as const;

/** the demo agent's virtual printers write here (the devices page shows what they printed) */
export const demoPrintsDir = (dataDir: string) => join(dataDir, 'demo-prints');

/**
 * The demo library's edge agent: registered once, with a fresh secret at every start (a secret is
 * shown only once, and the demo has nowhere else to keep it), and a config file with a virtual
 * receipt printer, a virtual label printer and a virtual page printer (PDFs) writing into
 * `<dataDir>/demo-prints`, and a virtual
 * barcode reader that reads the lines appended to `<dataDir>/demo-scans.txt`.
 * Returns the config file's path, for `edge-agent/src/main.ts --config`.
 */
export async function ensureDemoAgentConfig(
  db: Db,
  tenantId: string,
  dataDir: string,
  mqttUrl: string,
): Promise<string> {
  const secret = randomBytes(24).toString('base64url');
  const secretHash = await hashPassword(secret);
  const agentId = await db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), eq(agents.code, DEMO_AGENT.code)));
    if (existing) {
      await tx.update(agents).set({ secretHash }).where(eq(agents.id, existing.id));
      return existing.id;
    }
    const [row] = await tx
      .insert(agents)
      .values({ tenantId, code: DEMO_AGENT.code, nameJa: DEMO_AGENT.nameJa, secretHash })
      .returning({ id: agents.id });
    return row!.id;
  });

  const prints = demoPrintsDir(dataDir);
  const config = {
    tenantId,
    agentId,
    mqtt: { url: mqttUrl, username: agentId, password: secret },
    dataDir: join(dataDir, 'demo-agent'),
    devices: [
      {
        id: 'receipt-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'virtual', dir: prints },
      },
      {
        id: 'label-1',
        kind: 'labelPrinter',
        profile: 'epson-tm-l90',
        transport: { type: 'virtual', dir: join(prints, 'labels') },
      },
      {
        // letters and lists: the PDF an office printer would get over IPP
        id: 'office-1',
        kind: 'colorPrinter',
        profile: 'generic-ipp-a4',
        transport: { type: 'virtual', dir: join(prints, 'pages') },
      },
      {
        // each line appended to demo-scans.txt is a scan: pair it with 「スキャナー接続」 on the counter
        id: 'scanner-1',
        kind: 'barcodeReader',
        profile: 'virtual-reader',
        transport: { type: 'virtual', inbox: join(dataDir, 'demo-scans.txt') },
      },
    ],
  };
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'demo-agent.json');
  // The file holds a secret: created 0600 under a temporary name, then renamed over the old one.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}
