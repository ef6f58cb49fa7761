/** Independent oracles for a database's contents: mariadb-dump, made comparable across databases. */
import type { MariaDbServer } from './mariadb-server.js';

/**
 * mariadb-dump of a database without what legitimately differs between two copies (AUTO_INCREMENT
 * counters, definers) as sorted lines: tables without a key come out in physical order, which a
 * reload may change, so the dump is compared as a multiset of lines.
 */
export function dumpOracle(server: MariaDbServer, db: string): string {
  return server
    .client('mariadb-dump', [
      '--skip-dump-date',
      '--skip-extended-insert',
      '--order-by-primary',
      '--hex-blob',
      '--skip-comments',
      '--routines',
      '--events',
      '--triggers',
      '--skip-lock-tables',
      db,
    ])
    .toString('utf8')
    .replace(/ AUTO_INCREMENT=\d+/g, '')
    .replace(/DEFINER=`[^`]*`@`[^`]*`/g, '')
    .split('\n')
    .sort()
    .join('\n');
}
