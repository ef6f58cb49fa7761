import { INVOICEPLANE } from './invoiceplane.js';
import type { Profile } from './profile.js';

/** Every known profile, tried in this order by DBSYNC_PROFILE=auto. */
export const PROFILES: readonly Profile[] = [INVOICEPLANE];

export const PROFILE_NAMES: readonly string[] = PROFILES.map((p) => p.name);
