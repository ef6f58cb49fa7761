/**
 * What the server's version says about what git-dbsync may rely on. Restore swaps every table in
 * with one multi-table `RENAME TABLE` (src/restore/shadow-tables.ts), which only MariaDB 10.6 and
 * later run atomically for every engine (InnoDB, MyISAM, Aria; recovered from the DDL log after a
 * crash). MariaDB before 10.6 renames table by table, and MySQL makes only InnoDB renames atomic: a
 * kill in the middle of the swap could leave a table under its old name only, which is the half-done
 * restore the shadow tables exist to prevent. So restore refuses those servers.
 */

export interface ServerVersion {
  readonly text: string;
  readonly mariadb: boolean;
  readonly major: number;
  readonly minor: number;
}

/** `VERSION()` as MariaDB ("10.11.6-MariaDB-0+deb12u1") and MySQL ("8.0.36", "8.0.36-0ubuntu0.22.04.1") write it. */
export function parseServerVersion(text: string): ServerVersion {
  // The replication prefix "5.5.5-" appears only in the handshake, but a proxy may pass it on.
  const m = /^(?:5\.5\.5-)?(\d+)\.(\d+)/.exec(text.trim());
  return { text: text.trim(), mariadb: /mariadb/i.test(text), major: m ? Number(m[1]) : 0, minor: m ? Number(m[2]) : 0 };
}

/** Null when the server swaps tables atomically (MariaDB 10.6+); else why not, in a few words. */
export function atomicRenameMissing(v: ServerVersion): string | null {
  if (!v.mariadb) return `the server is not MariaDB (VERSION() is ${JSON.stringify(v.text)})`;
  if (v.major < 10 || (v.major === 10 && v.minor < 6)) return `the server is MariaDB ${v.major}.${v.minor} (VERSION() is ${JSON.stringify(v.text)})`;
  return null;
}
