import path from 'node:path';
import type { Project } from '../project/project.js';

/**
 * Record the working tree's snapshot folder as a merge of `ours` and `theirs`: a commit with both
 * as parents (everything outside the snapshot folder as in `ours`), and the branch moved to it only
 * if it still points at `ours`. The index is brought up to date for the snapshot folder only, so
 * whatever the user staged elsewhere stays staged. Never forced; history is only added to.
 */
export async function commitMerge(project: Project, o: { ours: string; theirs: string; message: string }): Promise<string> {
  const { git } = project;
  const branch = await git.branch();
  if (!branch) throw new Error('HEAD is detached');
  const folder = project.snapshotPath || '.';
  const tree = await git.treeWithFolder(o.ours, folder, path.join(project.stateDir, 'merge-index'));
  const author = { name: project.config.git.authorName, email: project.config.git.authorEmail };
  const commit = await git.commitTree(tree, [o.ours, o.theirs], o.message, author);
  await git.updateRefGuarded(`refs/heads/${branch}`, commit, o.ours, 'git-dbsync: merge');
  await git.stagePath(folder);
  return commit;
}
