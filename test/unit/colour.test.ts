import { it } from 'node:test';
import assert from 'node:assert/strict';
import pc from 'picocolors';
import { colourVerdictLine } from '../../src/cli/colour.js';

it('colours only the verdict word, and nothing at all when colour is off (NO_COLOR, a pipe)', () => {
  const on = pc.createColors(true);
  const off = pc.createColors(false);
  assert.equal(colourVerdictLine('OK: last snapshot 4 s ago, pushed', 'ok', off), 'OK: last snapshot 4 s ago, pushed');
  assert.equal(colourVerdictLine('OK: last snapshot 4 s ago, pushed', 'ok', on), `${on.bold(on.green('OK'))}: last snapshot 4 s ago, pushed`);
  assert.equal(colourVerdictLine('NOT PUSHED since x: y', 'not-pushed', on), `${on.bold(on.yellow('NOT PUSHED'))} since x: y`);
  assert.equal(colourVerdictLine('DATABASE UNREACHABLE since x: y', 'unreachable', on), `${on.bold(on.red('DATABASE UNREACHABLE'))} since x: y`);
  assert.match(colourVerdictLine('FAILING: nothing pushed', 'failing', on), /\u001b\[31mFAILING\u001b\[39m/);
});
