import { spawnSync } from 'node:child_process';

/**
 * A command-line tool a test runs (yaz-marcdump, yaz-client, …). Missing, it fails the test with
 * the Debian package to install — `.ci/run` installs them — instead of letting the test pass unrun.
 */
export function requireTool(command: string, debianPackage: string): string {
  const probe = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = probe.stdout.trim();
  if (probe.status !== 0 || !path)
    throw new Error(
      `${command} is not installed: install the Debian package ${debianPackage} (as .ci/run does)`,
    );
  return path;
}
