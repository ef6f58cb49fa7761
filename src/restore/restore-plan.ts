import { describeFilesPlan, type FilesRestorePlan } from '../files/restore-files.js';

/** What a restore will do; printed as is without --yes. */
export interface RestorePlan {
  /** The commit being restored. */
  readonly commit: string;
  /** 'commit': live changes are committed first; 'none': the database already equals a commit; 'empty': nothing to save. */
  readonly saveFirst: 'commit' | 'none' | 'empty';
  readonly replace: readonly string[];
  readonly create: readonly string[];
  /** Tables the database has and the snapshot lacks: dropped with --drop-extra, else left alone. */
  readonly extra: readonly string[];
  /** Tables of the snapshot that DBSYNC_INCLUDE_TABLES/DBSYNC_EXCLUDE_TABLES now leave out: never touched. */
  readonly outOfScope: readonly string[];
  readonly dropExtra: boolean;
  /** Views, routines, triggers, events to (re)create or drop, as "type name". */
  readonly objects: readonly string[];
  readonly objectsToDrop: readonly string[];
  /** The objects whose definition this restore changes or adds, with the diff of their code (definition-diff.ts). */
  readonly objectDiffs?: ReadonlyArray<{ readonly object: string; readonly lines: readonly string[] }>;
  /** `--tables`: the tables asked for; everything else is left alone. null: a whole restore. */
  readonly only: readonly string[] | null;
  /** The snapshot's rows of each table loaded (replaced or created), as counted while its files were checked. */
  readonly rows?: Readonly<Record<string, number>>;
  /** DBSYNC_FILES: the files written back and removed (absent when off, and for --tables). */
  readonly files?: FilesRestorePlan | null;
}

export function describePlan(p: RestorePlan, dryRun: boolean): string {
  const would = dryRun ? 'would ' : '';
  const lines = [`${dryRun ? 'Restore plan for' : 'Restoring'} snapshot ${p.commit.slice(0, 12)}:`];
  if (p.saveFirst === 'commit') lines.push(`- ${would}commit the database's unsaved changes first`);
  else if (p.saveFirst === 'empty') lines.push('- the database holds no rows: nothing to save first');
  else lines.push('- the database holds no unsaved changes');
  const list = (xs: readonly string[]) => xs.join(', ');
  if (p.replace.length) lines.push(`- ${would}replace ${p.replace.length} table(s): ${list(p.replace)}`);
  if (p.create.length) lines.push(`- ${would}create ${p.create.length} table(s): ${list(p.create)}`);
  if (p.objects.length) lines.push(`- ${would}recreate: ${list(p.objects)}`);
  // Code that will run in the database: shown before it is created.
  for (const d of p.objectDiffs ?? []) {
    lines.push(`  ${d.object} ${d.lines.some((l) => l.startsWith('- ')) ? 'changes' : 'is new'}:`);
    for (const l of d.lines) lines.push(`    ${l}`);
  }
  if (p.extra.length)
    lines.push(
      p.dropExtra
        ? `- ${would}drop tables the snapshot lacks: ${list(p.extra)}`
        : `- leave alone tables the snapshot lacks: ${list(p.extra)} (--drop-extra drops them)`,
    );
  if (p.only) lines.push(`- only ${list(p.only)} (--tables) and their triggers: every other table, view, routine and event is left alone`);
  if (p.outOfScope.length) lines.push(`- leave alone tables outside DBSYNC_INCLUDE_TABLES/DBSYNC_EXCLUDE_TABLES: ${list(p.outOfScope)}`);
  if (p.objectsToDrop.length)
    lines.push(p.dropExtra ? `- ${would}drop: ${list(p.objectsToDrop)}` : `- leave alone: ${list(p.objectsToDrop)} (--drop-extra drops them)`);
  if (!p.replace.length && !p.create.length && !p.objects.length && !(p.dropExtra && (p.extra.length || p.objectsToDrop.length)))
    lines.push('- the database already equals this snapshot');
  if (p.files) {
    const files = describeFilesPlan(p.files, dryRun);
    lines.push(...(files.length ? files : ['- the files already equal this snapshot']));
  }
  if (dryRun) lines.push('Run again with --yes to do it.');
  return lines.join('\n');
}
