import type { Git } from '../git/git.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import type { Profile } from '../profile/profile.js';
import type { Project } from '../project/project.js';
import { readConflicts, type OpenConflicts } from '../pull/conflict-store.js';
import type { SecretRule } from '../secrets/secret-rule.js';
import { TABLES_DIR } from '../snapshot/layout.js';

/** What every page reads from: git and the snapshot folder, the profile's words and the secret columns. */
export interface PageContext {
  readonly git: Git;
  /** Snapshot folder relative to the top of the repository ('' for the top itself). */
  readonly snapshotPath: string;
  /** git-dbsync's state folder (the verdict reads state.json there). */
  readonly stateDir: string;
  readonly maxUnpushedMs: number;
  /** The profile in force for the tables of the latest commit (DBSYNC_PROFILE), or null. */
  readonly profile: Profile | null;
  /** Columns that hold secrets (the profile's and DBSYNC_SECRET_POLICY's): never shown in clear. */
  readonly secretRules: readonly SecretRule[];
  /** The open conflicts of the last commit (two-way mode), read from its conflicts files through git, as `git-dbsync conflicts` reads them. */
  readonly openConflicts: () => Promise<OpenConflicts>;
}

/** A table file stem back to the table's name (the encoding of layout.ts: %XX per UTF-8 byte); null for a shortened long name. */
export function tableNameOfStem(stem: string): string | null {
  if (stem.includes('~')) return null;
  try {
    return decodeURIComponent(stem);
  } catch {
    return null;
  }
}

/**
 * The page context of a project. The policy is decided once, from the tables of the latest commit
 * (the UI never reads the database), the same way a pass decides it from the database's tables.
 */
export async function pageContext(project: Project): Promise<PageContext> {
  const { git, snapshotPath, config } = project;
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const head = await git.head();
  const tree = head ? await git.listTree(head, `${prefix}${TABLES_DIR}`) : new Map<string, string>();
  const names = [...tree.keys()].map((p) => tableNameOfStem(p.slice(prefix.length + TABLES_DIR.length + 1).replace(/\.sql$/, ''))).filter((n) => n !== null);
  const policy = PassPolicy.decide(policySettings(config), names);
  return {
    git,
    snapshotPath,
    stateDir: project.stateDir,
    maxUnpushedMs: config.maxUnpushedMs,
    profile: policy.profile,
    secretRules: policy.secretRules(),
    openConflicts: () => readConflicts(project),
  };
}

/**
 * The page context, decided again until the repository has a commit (`watch` may serve the page
 * before its first pass: the profile is decided from the first commit's tables), then kept.
 */
export function pageContextSource(project: Project): () => Promise<PageContext> {
  let kept: PageContext | null = null;
  return async () => {
    if (kept) return kept;
    const ctx = await pageContext(project);
    if (await project.git.head()) kept = ctx;
    return ctx;
  };
}
