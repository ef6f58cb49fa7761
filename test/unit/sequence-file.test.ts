import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSequenceFile, parseSequenceDefinition, parseSequenceFile, SequenceFileError, type Sequence } from '../../src/snapshot/sequence-file.js';

const seq: Sequence = {
  name: 'odd `name`',
  start: -5n,
  min: -9223372036854775807n,
  max: 10n,
  increment: -1n,
  cache: 0n,
  cycle: true,
  engine: 'Aria',
  next: -7n,
  round: 3n,
};

describe('sequences.sql', () => {
  it('writes a definition in the server words and reads back the same numbers', () => {
    const text = formatSequenceFile([seq, { ...seq, name: 'plain', cache: 1000n, cycle: false, engine: 'InnoDB' }]);
    assert.equal(
      text.split('\n')[0],
      'CREATE SEQUENCE `odd ``name``` start with -5 minvalue -9223372036854775807 maxvalue 10 increment by -1 nocache cycle ENGINE=Aria; SELECT SETVAL(`odd ``name```, -7, 0, 3);',
    );
    assert.deepEqual(parseSequenceFile(text)[0], seq);
    assert.equal(formatSequenceFile(parseSequenceFile(text)), text);
    assert.deepEqual(parseSequenceFile(''), []);
  });

  it('refuses anything else, naming the line', () => {
    const good = formatSequenceFile([seq]).trimEnd();
    for (const bad of [
      good.replace('SETVAL(`odd ``name```, -7', 'SETVAL(`other`, -7'),
      good.replace(', 0, 3);', ', 0, 3); DROP TABLE t;'),
      good.replace('ENGINE=Aria', "ENGINE=Aria COMMENT='x'"),
      good.replace('-7, 0', '(SELECT 1), 0'),
      good.replace('maxvalue 10', 'maxvalue 99999999999999999999'),
      good.replace('start with -5', 'start with  -5'),
      good.replace('-7', '-07'),
    ]) {
      assert.throws(
        () => parseSequenceFile(`${formatSequenceFile([{ ...seq, name: 'a' }])}${bad}\n`),
        (e: unknown) => e instanceof SequenceFileError && e.line === 2,
        bad,
      );
    }
    assert.throws(
      () => parseSequenceFile(`${good}\n${good}\n`),
      (e: unknown) => e instanceof SequenceFileError && e.line === 2,
      'listed twice',
    );
    assert.throws(() => parseSequenceFile(good), SequenceFileError, 'no final line break');
    assert.equal(
      parseSequenceDefinition("CREATE SEQUENCE `s` start with 1 minvalue 1 maxvalue 9 increment by 1 cache 5 nocycle ENGINE=InnoDB COMMENT='c'"),
      null,
    );
  });
});
