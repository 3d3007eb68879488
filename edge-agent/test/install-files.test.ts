import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AGENT_RESTART_EXIT_CODE } from '../src/remote-config.ts';
import { repoRoot } from './support/agent-process.ts';

const install = join(repoRoot, 'edge-agent/install');
const read = (p: string) => readFileSync(join(install, p), 'utf8');
/** the entry every service file starts, relative to the release folder */
const ENTRY = 'edge-agent/src/main.ts';

/** A systemd unit's settings: section → key → values (a key may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      out[section] = {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const values = out[section]![key] ?? [];
    values.push(line.slice(eq + 1));
    out[section]![key] = values;
  }
  return out;
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('service install files (edge-agent/install/)', () => {
  const unitFile = join(install, 'linux/bunko-agent.service');
  const unit = parseUnit(read('linux/bunko-agent.service'));
  const service = unit.Service!;

  it('the systemd unit restarts on exit 75 and on failures, but not on a wrong config', () => {
    expect(AGENT_RESTART_EXIT_CODE).toBe(75);
    expect(service.Restart).toEqual(['on-failure']);
    expect(service.RestartForceExitStatus).toEqual(['75']);
    expect(service.SuccessExitStatus).toEqual(['75']);
    expect(service.RestartPreventExitStatus).toEqual(['2']);
    expect(unit.Unit!.StartLimitIntervalSec).toEqual(['0']);
  });

  it('the systemd unit starts the agent’s entry in the release, as a dedicated user, hardened', () => {
    const [node, ...args] = service.ExecStart![0]!.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(args.slice(0, 2)).toEqual(['--import', 'tsx']);
    expect(args[2]).toBe(`/opt/bunko/${ENTRY}`);
    expect(existsSync(join(repoRoot, ENTRY))).toBe(true);
    expect(args.slice(3)).toEqual(['--config', '/etc/bunko-agent/agent.json']);
    expect(service.WorkingDirectory).toEqual(['/opt/bunko']); // where `--import tsx` is resolved
    expect(service.User).toEqual(['bunko-agent']);
    expect(service.StateDirectory).toEqual(['bunko-agent']);
    expect(service.ReadWritePaths).toEqual(['/etc/bunko-agent']); // a pushed config replaces the file
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      CapabilityBoundingSet: '',
    }))
      expect(service[key], key).toEqual([value]);
    expect(service.PrivateDevices).toBeUndefined(); // serial, USB and HID devices are opened
    const sysusers = read('linux/bunko-agent.sysusers');
    expect(sysusers).toMatch(/^u bunko-agent - /m);
    for (const group of ['dialout', 'lp', 'plugdev'])
      expect(sysusers).toMatch(new RegExp(`^m bunko-agent ${group}$`, 'm'));
    expect(read('linux/70-bunko-agent.rules')).toMatch(/SUBSYSTEM=="hidraw", MODE="0660", GROUP="plugdev"/);
  });

  it.skipIf(!hasSystemdAnalyze)('systemd-analyze verifies the unit and rates its exposure low', () => {
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=true', unitFile], {
      encoding: 'utf8',
    });
    const exposure = Number(/Overall exposure level for bunko-agent\.service: ([\d.]+)/.exec(security)?.[1]);
    expect(exposure).toBeLessThanOrEqual(3);
  });

  it('the WinSW service XML is well-formed and starts the same entry, restarting on any failure', () => {
    const xml = read('windows/bunko-agent.xml');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['argument', 'onfailure'].includes(name),
    }).parse(xml) as {
      service: {
        id: string;
        executable: string;
        workingdirectory: string;
        argument: string[];
        onfailure: { '@_action': string }[];
        serviceaccount: { user: string };
      };
    };
    const s = doc.service;
    expect(s.id).toBe('bunko-agent');
    expect(s.executable).toBe('%ProgramFiles%\\nodejs\\node.exe');
    expect(s.workingdirectory).toBe('%ProgramFiles%\\Bunko');
    expect(s.argument).toEqual([
      '--import',
      'tsx',
      `%ProgramFiles%\\Bunko\\${ENTRY.replaceAll('/', '\\')}`,
      '--config',
      '%ProgramData%\\Bunko\\agent\\agent.json',
    ]);
    expect(s.onfailure.map((f) => f['@_action'])).toEqual(['restart', 'restart']);
    expect(s.serviceaccount.user).toBe('LocalService');
    const ps1 = read('windows/install.ps1');
    expect(ps1).toContain("'edge-agent\\src\\main.ts'");
    expect(ps1).toContain("'bunko-agent.exe'");
  });

  it('the NAS compose file runs the same entry in its image and restarts it', () => {
    const compose = parseYaml(read('nas/compose.yaml')) as {
      services: {
        agent: {
          build: { context: string; dockerfile: string };
          command: string[];
          restart: string;
          read_only: boolean;
          cap_drop: string[];
          security_opt: string[];
        };
      };
    };
    const agent = compose.services.agent;
    expect(agent.command).toEqual([
      'node',
      '--import',
      'tsx',
      ENTRY,
      '--config',
      '/etc/bunko-agent/agent.json',
    ]);
    expect(agent.restart).toBe('unless-stopped');
    expect(agent.read_only).toBe(true);
    expect(agent.cap_drop).toEqual(['ALL']);
    expect(agent.security_opt).toEqual(['no-new-privileges:true']);
    expect(join(install, 'nas', agent.build.context)).toBe(repoRoot.replace(/\/$/, ''));
    const dockerfile = readFileSync(join(repoRoot, agent.build.dockerfile), 'utf8');
    const cmd = /^CMD (.+)$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd!)).toEqual(agent.command);
    // every workspace's package.json reaches the image, or `npm ci` cannot read the lock file
    const workspaces = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }
    ).workspaces;
    for (const w of workspaces) expect(dockerfile).toContain(`COPY ${w}/package.json ${w}/`);
  });
});
