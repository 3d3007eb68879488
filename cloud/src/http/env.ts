import type { Logger } from 'pino';
import type { AgentBridge } from '../broker/agent-bridge.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { DemoPrints } from '../demo/demo-prints.ts';
import type { ResolvedSession } from '../domain/auth/sessions.ts';
import type { Ctx } from '../domain/context.ts';
import type { ResolvedPatronSession } from '../domain/patron-auth/sessions.ts';
import type { ScanHub } from '../domain/scans/scan-hub.ts';

/** Everything the app needs from outside, passed in (never read from globals). */
export type AppDeps = {
  config: Config;
  database: Database;
  logger: Logger;
  now?: () => Date;
  /** the MQTT side; absent in tests that do not exercise devices */
  agents?: AgentBridge;
  /** scanner pairings and scan delivery to browser sessions (with the MQTT side) */
  scans?: ScanHub;
  /** folder with the built web UI, when it should be served */
  webRoot?: string;
  isReady?: () => boolean;
  /** the mail outbox worker: kicked after a commit that queued a mail (absent: the next poll sends it) */
  mail?: { kick(): void };
  /** the MARC import job runner: kicked when a job is queued (absent: the next poll, or another process, takes it) */
  marcImports?: { kick(): void };
  /** what the login page may know: default tenant and, in the demo only, the demo logins */
  publicConfig?: () => PublicConfig;
  /** the credential the public OPAC service presents when it forwards patron requests */
  serviceToken?: string;
  /** the demo agent's virtual printer folder (demo only): its output is shown on the devices page */
  demoPrints?: DemoPrints;
};

export type PublicConfig = {
  defaultTenant: string | null;
  demo: boolean;
  demoLogins?: { loginId: string; password: string; roleJa: string }[];
};

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    session: ResolvedSession | null;
    patronSession: ResolvedPatronSession | null;
    ctx: Ctx;
    /** the patron's address as the public service reports it (set only for its verified requests) */
    clientAddress?: string;
  };
};
