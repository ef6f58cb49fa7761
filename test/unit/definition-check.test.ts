/**
 * Checks of schema files and object blocks (src/snapshot/definition-check.ts): what the snapshot
 * writes passes; the attacks of issue 11 and their variants are refused with the line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCreateTable, checkObjectFile, DefinitionError } from '../../src/snapshot/definition-check.js';
import { formatObjectFile, type DbObject } from '../../src/snapshot/object-file.js';
import { shadowCreate } from '../../src/restore/shadow-tables.js';

const CREATE = [
  'CREATE TABLE `t1` (',
  '  `id` int(11) NOT NULL,',
  "  `v` varchar(200) DEFAULT 'a;b' COMMENT 'x /* y */ -- z',",
  '  `d` decimal(8,2) DEFAULT 1.50,',
  '  `g` int(11) GENERATED ALWAYS AS (`id` * 2) VIRTUAL,',
  '  `pid` int(11) DEFAULT NULL,',
  '  PRIMARY KEY (`id`),',
  '  KEY `pid` (`pid`),',
  '  CONSTRAINT `t1_fk` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE,',
  '  CONSTRAINT `chk` CHECK (`d` >= 0)',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;',
  '',
].join('\n');

const refusedAt = (f: () => unknown, line: number) =>
  assert.throws(f, (err: unknown) => err instanceof DefinitionError && err.line === line, `refused at line ${line}`);

describe('schema file check', () => {
  it('accepts what SHOW CREATE TABLE writes and names the table', () => {
    assert.equal(checkCreateTable(CREATE, 't1'), 't1');
  });

  it('refuses SELECT, other schemas, comments, second statements, other tables and engines', () => {
    refusedAt(() => checkCreateTable(CREATE.replace(') ENGINE=InnoDB', ') ENGINE=InnoDB AS SELECT 1 AS id FROM other.keepme'), 't1'), 11);
    refusedAt(() => checkCreateTable(CREATE.replace('REFERENCES `p`', 'REFERENCES `other`.`p`'), 't1'), 9);
    refusedAt(() => checkCreateTable(CREATE.replace('COLLATE=utf8mb4_general_ci;', 'COLLATE=utf8mb4_general_ci; DROP DATABASE other;'), 't1'), 11);
    refusedAt(() => checkCreateTable(CREATE.replace('  PRIMARY KEY', '  /*!50000 PRIMARY KEY */ KEY'), 't1'), 7);
    refusedAt(() => checkCreateTable(CREATE, 't2'), 1);
    refusedAt(() => checkCreateTable(CREATE.replace('ENGINE=InnoDB', 'ENGINE=CONNECT'), 't1'), 11);
    refusedAt(() => checkCreateTable(CREATE.replace('ENGINE=InnoDB', "ENGINE=InnoDB DATA DIRECTORY='/tmp'"), 't1'), 11);
    refusedAt(() => checkCreateTable('CREATE TABLE `t1` LIKE `other`.`keepme`;\n', 't1'), 1);
  });

  it('a shadow is the same table under its shadow name, its foreign keys kept for after the swap', () => {
    const s = shadowCreate(CREATE, 't1');
    assert.match(s.sql, /^CREATE TABLE `_dbsync_new_[0-9a-f]{16}` \(\n/);
    assert.doesNotMatch(s.sql, /FOREIGN KEY/);
    assert.match(s.sql, /CONSTRAINT `chk` CHECK/);
    assert.deepEqual(s.foreignKeys, ['CONSTRAINT `t1_fk` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE']);
  });
});

const ctx = { database: 'app', otherSchemas: new Set(['other']) };
const settings = "SET @@session.character_set_client = 'utf8mb4', @@session.collation_connection = 'utf8mb4_general_ci'";
const obj = (kind: DbObject['kind'], type: string, name: string, create: string): DbObject => ({ kind, type, name, create, settings });

describe('object block check', () => {
  it('accepts what the snapshot writes for views, routines, triggers and events', () => {
    const view = obj(
      'view',
      'view',
      'v1',
      "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v1` AS select `t1`.`id` AS `id` from `t1` where `t1`.`v` = ';'",
    );
    assert.equal(checkObjectFile('view', formatObjectFile([view]), ctx).length, 1);
    const proc = obj(
      'routine',
      'procedure',
      'p',
      'CREATE PROCEDURE `p`(OUT n INT)\nBEGIN\n  SELECT COUNT(*) INTO n FROM t1;\n  IF n > 0 THEN SET n = CASE WHEN n > 1 THEN 2 ELSE 1 END; END IF;\nEND',
    );
    const fn = obj('routine', 'function', 'f', 'CREATE FUNCTION `f`(x INT) RETURNS int(11)\n    DETERMINISTIC\nRETURN x * 2');
    assert.equal(checkObjectFile('routine', formatObjectFile([proc, fn]), ctx).length, 2);
    const trg = obj(
      'trigger',
      'trigger',
      'trg_bi',
      'CREATE TRIGGER trg_bi BEFORE INSERT ON uniq FOR EACH ROW BEGIN IF NEW.c IS NULL THEN SET NEW.c = 0; END IF; END',
    );
    assert.equal(checkObjectFile('trigger', formatObjectFile([trg]), ctx).length, 1);
    const ev = obj(
      'event',
      'event',
      'e',
      "CREATE EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE DO SELECT 1",
    );
    assert.equal(checkObjectFile('event', formatObjectFile([{ ...ev, settings: `${settings}, @@session.time_zone = 'SYSTEM'` }]), ctx).length, 1);
  });

  it('refuses other statements, separators, other schemas, definers and settings lines that are not settings', () => {
    const file = (create: string, s = settings) => formatObjectFile([{ ...obj('view', 'view', 'v1', create), settings: s }]);
    const ok = 'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v1` AS select 1 AS `x`';
    refusedAt(() => checkObjectFile('view', file('DROP DATABASE other'), ctx), 4);
    refusedAt(() => checkObjectFile('view', file('DROP TABLE other.keepme', "SET PASSWORD = PASSWORD('x')"), ctx), 3);
    refusedAt(() => checkObjectFile('view', file(ok + '; DROP TABLE x'), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok + ' from `other`.`keepme`'), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok + ' from mysql.user'), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok.replace('VIEW `v1`', 'VIEW `v2`')), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok.replace('CREATE ', 'CREATE DEFINER=`root`@`localhost` ')), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok + ' /*!50000 , (SELECT 1) */'), ctx), 4);
    refusedAt(() => checkObjectFile('view', file(ok).replace('/* git-dbsync: view `v1` */', '/* git-dbsync: view `v1` */ DROP TABLE t1;'), ctx), 2);
    const proc = (body: string) => formatObjectFile([obj('routine', 'procedure', 'p', `CREATE PROCEDURE \`p\`() ${body}`)]);
    refusedAt(() => checkObjectFile('routine', proc('BEGIN SELECT 1; END; DROP TABLE t1'), ctx), 4);
    refusedAt(() => checkObjectFile('routine', proc('BEGIN SELECT 1;; DROP TABLE t1; END'), ctx), 4);
    refusedAt(() => checkObjectFile('routine', proc('BEGIN DROP TABLE other.keepme; END'), ctx), 4);
    refusedAt(() => checkObjectFile('trigger', proc('SELECT 1'), ctx), 2);
  });
});
