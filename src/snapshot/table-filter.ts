/** DBSYNC_INCLUDE_TABLES / DBSYNC_EXCLUDE_TABLES: exact names or `*` patterns. */
export function tableSelected(name: string, filter: { include: readonly string[]; exclude: readonly string[] }): boolean {
  if (filter.include.length > 0 && !filter.include.some((p) => matches(p, name))) return false;
  return !filter.exclude.some((p) => matches(p, name));
}

function matches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
    's',
  );
  return re.test(name);
}

/** Whether `name` matches one of the exact names or `*` patterns. */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => matches(p, name));
}
