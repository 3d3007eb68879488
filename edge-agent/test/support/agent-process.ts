import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_RESTART_EXIT_CODE } from '../../src/remote-config.ts';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const mainTs = join(repoRoot, 'edge-agent/src/main.ts');

const running = new Set<ChildProcess>();

/** The agent as a service runs it: its own Node process with a config file (and its environment). */
export function spawnAgent(
  configPath: string,
  opts: { env?: NodeJS.ProcessEnv; logLevel?: string; output?: 'pipe' | 'ignore' } = {},
) {
  const piped = (opts.output ?? 'pipe') === 'pipe';
  const child = spawn(process.execPath, ['--import', 'tsx', mainTs, '--config', configPath], {
    cwd: repoRoot,
    stdio: ['ignore', piped ? 'pipe' : 'ignore', piped ? 'pipe' : 'inherit'],
    env: { ...process.env, LOG_LEVEL: opts.logLevel ?? 'warn', ...opts.env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    /** the pino lines written so far, parsed */
    logLines: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Kill every agent process a test left running (afterAll). */
export function killAgents(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/**
 * A service manager in miniature: runs the agent process and starts it again whenever it exits
 * with the restart code (as the systemd unit's `RestartForceExitStatus=75` does), counting the starts.
 */
export function supervise(configPath: string) {
  const sup = { starts: 0, exits: [] as (number | null)[], child: undefined as ChildProcess | undefined };
  let stopped = false;
  let current: ReturnType<typeof spawnAgent> | undefined;
  const run = () => {
    sup.starts += 1;
    current = spawnAgent(configPath, { logLevel: 'error', output: 'ignore' });
    sup.child = current.child;
    void current.exited.then((code) => {
      sup.exits.push(code);
      if (!stopped && code === AGENT_RESTART_EXIT_CODE) run();
    });
  };
  run();
  return {
    sup,
    async stop() {
      stopped = true;
      await current?.stop();
    },
  };
}
