import { appliedShort, conflictLine } from '../pull/merge-message.js';
import type { PullResult } from '../pull/pull-pass.js';
import { renderPass } from './render.js';

/** The lines `pull` (and `sync`/`watch` in two-way mode) print for a pull; the first one says what happened. */
export function renderPull(r: PullResult): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  if (r.pass.commit.commit) lines.push(renderPass({ ...r.pass, push: null }));
  const m = r.merge;
  const tables = m && m.applied.length > 0 ? `: ${m.applied.map(appliedShort).join(', ')}` : '';
  const conflicts = m ? m.conflicts.length + m.schemaConflicts.length + m.objectConflicts.length : 0;
  const sha = (c: string | null) => (c ? c.slice(0, 12) : '');
  switch (r.outcome) {
    case 'no-remote':
      lines.push('no remote configured: nothing to pull (set GIT_REMOTE_URL)');
      break;
    case 'remote-empty':
      lines.push(`${r.from} does not exist yet: nothing to pull`);
      break;
    case 'fetch-failed':
      lines.push(
        `NOT PULLED: fetch from ${r.from} failed: ${r.fetchError} -- check GIT_REMOTE_URL and that the remote is reachable (\`git-dbsync remote show\`); the next pull tries again`,
      );
      break;
    case 'up-to-date':
      lines.push(`${r.from}: up to date`);
      break;
    case 'ahead':
      lines.push(`${r.from} has nothing new`);
      break;
    case 'fast-forward':
      lines.push(`pulled ${r.incoming} commit(s) from ${r.from} (fast-forward to ${sha(r.commit)})${tables || ': no row changes'}`);
      break;
    case 'merged':
      lines.push(
        `merged ${r.incoming} commit(s) from ${r.from} as ${sha(r.commit)}${tables}${conflicts > 0 ? `; ${conflicts} conflict(s): see \`git-dbsync conflicts\`` : ''}`,
      );
      break;
    case 'adopted-remote':
      lines.push(`took ${r.from}'s history and data (${sha(r.commit)})${tables}; this computer's own history is kept on branch ${r.keptBranch}`);
      break;
  }
  if (m) {
    for (const c of m.conflicts.slice(0, 20)) lines.push(`  conflict: ${conflictLine(c)}`);
    if (m.conflicts.length > 20) lines.push(`  ... and ${m.conflicts.length - 20} more conflict(s): \`git-dbsync conflicts\``);
    for (const s of m.schemaConflicts) {
      warnings.push(
        `table ${s.table} was not merged: ${s.reason}; the database has ${s.kept === 'ours' ? "this computer's" : "the other computer's"} table, the other version is in git history` +
          ` -- bring both computers to the same application version; \`git-dbsync conflicts\` names the commits`,
      );
    }
    for (const c of m.objectConflicts) {
      warnings.push(
        c.why === 'review'
          ? `${c.object} was changed on the other computer (${c.theirsCommit.slice(0, 12)}) and NOT applied: views, routines, triggers and events are code, applied only with DBSYNC_PULL_OBJECTS=apply -- recorded as a conflict: review it (the diff below, \`git-dbsync conflicts\`), then \`git-dbsync resolve ${c.object} --theirs\` applies it, --ours keeps this computer's`
          : `${c.object} was changed differently on both computers: kept ${c.kept === 'ours' ? "this computer's" : "the other computer's"} version (recorded: \`git-dbsync conflicts\`)`,
      );
    }
    // The code recorded for review, as a diff from this database's version (it is not applied).
    for (const c of m.objectConflicts) {
      if (c.why !== 'review' || !c.diff || c.diff.length === 0) continue;
      lines.push(`  ${c.object}, not applied (this computer's version -> ${c.theirsCommit.slice(0, 12)}):`);
      for (const l of c.diff) lines.push(`    ${l}`);
    }
    for (const s of m.secretsNotApplied) warnings.push(`secret not applied: ${s}`);
    for (const s of m.skipped) lines.push(`  not merged here: ${s}`);
  }
  if (r.retries > 0) lines.push(`  (started over ${r.retries} time(s): the application wrote meanwhile; its writes were committed first)`);
  if (r.after?.commit.commit) warnings.push(`the database changed while the pull applied; committed that too: ${renderPass({ ...r.after, push: null })}`);
  if (r.outsideFiles.length > 0)
    warnings.push(
      `files outside the snapshot folder changed on the other computer were not merged: ${r.outsideFiles.slice(0, 5).join(', ')}${r.outsideFiles.length > 5 ? ', ...' : ''} -- merge them with git`,
    );
  if (r.push && r.push.status !== 'no-remote' && r.push.status !== 'up-to-date')
    lines.push(r.push.status === 'pushed' ? r.push.message : `NOT PUSHED: ${r.push.message}`);
  return { lines, warnings };
}
