import path from 'node:path';
import { snapshotPrefix, type Project } from '../project/project.js';
import { guardCommittedSnapshot } from '../project/snapshot-guard.js';
import { isSnapshotPath } from '../snapshot/layout.js';
import type { StagedSnapshot } from '../snapshot/take-snapshot.js';

/** Snapshot files by path relative to the snapshot folder -> git blob id. */
export type SnapshotTree = Map<string, string>;

/** The blob ids a staged snapshot would have in git. */
export async function stagedTree(project: Project, staged: StagedSnapshot): Promise<SnapshotTree> {
  const shas = await project.git.hashFiles(staged.files.map((f) => path.join(staged.dir, f)));
  return new Map(staged.files.map((f, i) => [f, shas[i]!]));
}

/**
 * The snapshot files of a commit (other files a user put in the folder are not part of it). Every
 * commit whose snapshot is read (pull, restore) comes through here, so a symlink or gitlink in its
 * snapshot folder is refused before anything is read, applied or checked out (snapshot-guard.ts).
 */
export async function treeAt(project: Project, rev: string): Promise<SnapshotTree> {
  const prefix = snapshotPrefix(project);
  const out: SnapshotTree = new Map();
  for (const { path: p, sha } of await guardCommittedSnapshot(project.git, rev, project.snapshotPath)) {
    const rel = p.slice(prefix.length);
    if (p.startsWith(prefix) && isSnapshotPath(rel)) out.set(rel, sha);
  }
  return out;
}

export function sameTree(a: SnapshotTree, b: SnapshotTree): boolean {
  if (a.size !== b.size) return false;
  for (const [p, sha] of a) if (b.get(p) !== sha) return false;
  return true;
}
