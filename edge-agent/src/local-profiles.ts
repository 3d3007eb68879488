import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceProfile, getProfile, loadProfiles } from '@bunko/firmware-config';
import { replaceFile } from './offline/replace-file.ts';

/**
 * Device profiles beyond those shipped in firmware-config: a config (in practice one pushed by IT
 * from the fleet page) may carry `profiles`; the agent keeps them as `<dataDir>/device-profiles/<id>.json`
 * so they outlive the push and every restart. A stored profile is only ever added or replaced,
 * never removed by a push, so the config on disk always finds the profiles it names.
 */
export const storedProfilesDir = (dataDir: string) => join(dataDir, 'device-profiles');

/** The stored profiles (validated by the firmware-config schema; a bad file throws a ProfileError). */
export function storedProfiles(dataDir: string): Map<string, DeviceProfile> {
  const dir = storedProfilesDir(dataDir);
  return existsSync(dir) ? loadProfiles(dir) : new Map();
}

export type ProfileLookup = (id: string) => DeviceProfile | undefined;

/** Shipped profiles first, then those in the config, then the stored ones. */
export function profileLookup(dataDir: string, inline: readonly DeviceProfile[] = []): ProfileLookup {
  const own = new Map(inline.map((p) => [p.id, p]));
  let stored: Map<string, DeviceProfile> | undefined;
  return (id) => {
    stored ??= storedProfiles(dataDir);
    return getProfile(id) ?? own.get(id) ?? stored.get(id);
  };
}

/**
 * Store profiles (already validated) atomically one by one; if one cannot be written, those
 * already replaced get their old content back (new ones are removed) and the error is thrown.
 * Returns an undo for a later step that fails (the config file).
 */
export async function storeProfiles(
  dataDir: string,
  profiles: readonly DeviceProfile[],
): Promise<() => Promise<void>> {
  const dir = storedProfilesDir(dataDir);
  if (profiles.length > 0) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const done: { file: string; before: string | undefined }[] = [];
  const undo = async () => {
    for (const { file, before } of done.reverse()) {
      if (before === undefined) rmSync(file, { force: true });
      else await replaceFile(file, before);
    }
  };
  try {
    for (const p of profiles) {
      const file = join(dir, `${p.id}.json`);
      const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      await replaceFile(file, `${JSON.stringify(p, null, 2)}\n`);
      done.push({ file, before });
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}
