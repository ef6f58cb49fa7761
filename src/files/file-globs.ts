import picomatch from 'picomatch';

/** DBSYNC_FILES compiled: which paths (relative to DBSYNC_FILES_ROOT) it names, and the folders to walk to find them. */
export interface FileGlobs {
  /** True for a path (relative, POSIX separators) that a glob names. */
  readonly matches: (rel: string) => boolean;
  /** The folders (relative to the root; '' for the root itself) below which matches can be: only they are walked. */
  readonly bases: readonly string[];
}

/**
 * A plain path names itself and, when it is a folder, everything below it (`uploads` = `uploads/**`).
 * Dot files match too (`uploads/.htaccess`): a glob that leaves them out would make a restore miss them.
 */
export function compileGlobs(patterns: readonly string[]): FileGlobs {
  const all = patterns.flatMap((p) => [p, `${p.replace(/\/+$/, '')}/**`]);
  const matches = picomatch(all, { dot: true });
  const bases = patterns.map((p) => picomatch.scan(p).base.replace(/\/+$/, ''));
  // A base inside another base is walked with it.
  const outer = [...new Set(bases)].filter((b) => !bases.some((o) => o !== b && (o === '' || b.startsWith(`${o}/`))));
  return { matches, bases: outer.sort() };
}
