import type { AppliedSecret } from '../secrets/table-secrets.js';

let shown = false;

/**
 * The start-up notice about secret columns, once per process (the first pass that read any):
 * what is redacted and how to keep it instead (warn), or what is encrypted (info). Null when
 * already shown or nothing to say.
 */
export function secretsNotice(applied: readonly AppliedSecret[] | undefined): { level: 'warn' | 'info'; line: string } | null {
  if (shown || !applied || applied.length === 0) return null;
  shown = true;
  const redacted = describe(applied.filter((a) => a.policy === 'redact'));
  const encrypted = describe(applied.filter((a) => a.policy === 'encrypt'));
  if (redacted) {
    return {
      level: 'warn',
      line:
        `secrets: redacting ${redacted}: the repository gets the placeholder 'dbsync:redacted' and a restore cannot bring them back` +
        `${encrypted ? `; encrypting ${encrypted}` : ''}` +
        ' -- to keep them, set DBSYNC_SECRET_KEY_FILE (a key file of 32+ random bytes: encrypted in the repository, restored with the key), or keep a column in clear with DBSYNC_SECRET_POLICY=table.column=keep',
    };
  }
  if (encrypted)
    return { level: 'info', line: `secrets: encrypting ${encrypted} with the key in DBSYNC_SECRET_KEY_FILE (keep a copy of it: restore needs it)` };
  return null;
}

/** "t.c (label, label), t.c2 (label)" for rules grouped by column. */
function describe(list: readonly AppliedSecret[]): string {
  const byColumn = new Map<string, string[]>();
  for (const { rule } of list) {
    const key = `${rule.table}.${rule.column}`;
    byColumn.set(key, [...(byColumn.get(key) ?? []), rule.label]);
  }
  return [...byColumn].map(([col, labels]) => `${col} (${labels.join('; ')})`).join(', ');
}
