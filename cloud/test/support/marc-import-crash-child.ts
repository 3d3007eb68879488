// A core process that dies in the middle of a MARC import job: it runs the queued jobs and kills itself
// (SIGKILL, no clean-up of any kind) inside the transaction of the batch reaching DIE_AT. Started by
// cloud/test/marc-import-jobs.test.ts with DATABASE_URL or BUNKO_DATA_DIR (an embedded database).
import { openDatabase } from '../../src/db/client.ts';
import { MarcImportRunner } from '../../src/domain/marc/import-jobs.ts';
import { silentLogger } from './test-app.ts';

const url = process.env.DATABASE_URL;
const database = await openDatabase(url ? { url } : { dataDir: process.env.BUNKO_DATA_DIR! });
const dieAt = Number(process.env.DIE_AT);
await new MarcImportRunner(database.db, silentLogger, {
  batchSize: Number(process.env.BATCH),
  onBatch: (_id, through) => {
    if (through >= dieAt) process.kill(process.pid, 'SIGKILL');
  },
}).drain();
await database.close();
