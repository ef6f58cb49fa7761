import type { Profile } from './profile.js';
import { PROFILES } from './profiles.js';

/**
 * The profile in force: `none` turns profiles off; a name forces that profile; `auto` picks the
 * first profile whose marker tables all exist. The setting was validated against PROFILE_NAMES.
 */
export function resolveProfile(setting: string, tableNames: Iterable<string>): Profile | null {
  if (setting === 'none') return null;
  if (setting !== 'auto') return PROFILES.find((p) => p.name === setting) ?? null;
  const have = new Set(tableNames);
  return PROFILES.find((p) => p.detectTables.every((t) => have.has(t))) ?? null;
}
