import { it } from 'node:test';
import assert from 'node:assert/strict';
import { cellLines } from '../../src/history/cell-lines.js';

const CREATE = 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `name` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB';

it('the diff driver text: a row header with its key, one line per cell, exact literals; #N without matching columns; other lines as they are', () => {
  const data = "INSERT INTO `t` VALUES (1,'a b');\nINSERT INTO `t` VALUES (2,NULL);\n";
  assert.equal(cellLines('t', data, CREATE), "t id=1\n  id: 1\n  name: 'a b'\nt id=2\n  id: 2\n  name: NULL\n");
  assert.equal(cellLines('t', data, ''), "t\n  #1: 1\n  #2: 'a b'\nt\n  #1: 2\n  #2: NULL\n");
  assert.equal(cellLines('t', 'not a row line\n', CREATE), 'not a row line\n');
  assert.equal(cellLines('t', '', CREATE), '');
});
