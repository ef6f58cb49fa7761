import type { Git } from '../git/git.js';
import type { Side } from '../merge/merge-table.js';

/**
 * DBSYNC_CONFLICT_RULE as a side for one merge: `ours`, `theirs`, or for `newest` the side whose
 * head commit was made later (committer time; on a tie, theirs: the value already published).
 */
export async function keepSide(git: Git, rule: 'ours' | 'theirs' | 'newest', ours: string, theirs: string): Promise<Side> {
  if (rule !== 'newest') return rule;
  const [o, t] = await Promise.all([git.commitTime(ours), git.commitTime(theirs)]);
  return o > t ? 'ours' : 'theirs';
}
