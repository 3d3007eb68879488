import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { DeviceProfile } from './schema.ts';

export * from './schema.ts';

export const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

/** A profile file that does not validate; the message names the file and the field. */
export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`device profile ${file}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ProfileError';
  }
}

export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
    '',
  );
}

const describe = (err: z.ZodError) =>
  err.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));

/** Read and validate every `*.json` in `dir`; the first bad file throws a ProfileError. */
export function loadProfiles(dir = PROFILES_DIR): Map<string, DeviceProfile> {
  const out = new Map<string, DeviceProfile>();
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (err) {
      throw new ProfileError(name, [{ path: '', message: `not valid JSON (${(err as Error).message})` }]);
    }
    const parsed = DeviceProfile.safeParse(raw);
    if (!parsed.success) throw new ProfileError(name, describe(parsed.error));
    const id = basename(name, '.json');
    if (parsed.data.id !== id)
      throw new ProfileError(name, [{ path: 'id', message: `must equal the file name "${id}"` }]);
    out.set(id, parsed.data);
  }
  return out;
}

let shipped: Map<string, DeviceProfile> | undefined;

/** A shipped profile by id (validated once, on first use), or undefined. */
export function getProfile(id: string): DeviceProfile | undefined {
  shipped ??= loadProfiles();
  return shipped.get(id);
}
