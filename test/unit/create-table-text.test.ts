import { it } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFromCreate } from '../../src/snapshot/create-table-text.js';

it('columnsFromCreate reads the column list with the SQL lexer: line breaks and backticks inside strings are no columns', () => {
  // A generated column whose expression holds a line break followed by a backtick (found by the
  // hostile-data name test: the line-based reader took it for a column, or gave up).
  const text =
    "CREATE TABLE `~` (\n  `a` int(11) GENERATED ALWAYS AS ('\n`b` x') VIRTUAL,\n  `c``d` varchar(3) DEFAULT 'x,y',\n  `e` decimal(5,2) DEFAULT NULL,\n  PRIMARY KEY (`c``d`),\n  KEY `k` (`a`,`c``d`),\n  CONSTRAINT `f` CHECK (`e` > 0)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  assert.deepEqual(columnsFromCreate(text), ['a', 'c`d', 'e']);
  assert.deepEqual(
    columnsFromCreate('CREATE SEQUENCE `s` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB'),
    [],
    'a sequence has no column list',
  );
  assert.deepEqual(columnsFromCreate("CREATE TABLE `t` (\n  `a` int DEFAULT 'unterminated"), [], 'unreadable text');
});
