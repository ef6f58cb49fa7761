/**
 * Key -> chunk mapping (src/snapshot/chunk-plan.ts) on chunk files written by the real chunk
 * writer: a key belongs to the last chunk whose first key is <= it (the first chunk also takes
 * smaller keys); a key equal to a chunk's first key also dirties the chunk before (a deleted
 * boundary row merges the two); consecutive dirty chunks form one run; too many dirty chunks, a
 * renamed (clashing) chunk file or a foreign file make it read the table whole.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChunkWriter } from '../../src/snapshot/chunk-writer.js';
import { planChunkReread, type ChunkPlan } from '../../src/snapshot/chunk-plan.js';
import type { TableInfo } from '../../src/snapshot/table-info.js';
import type { KeySpec } from '../../src/detect/binlog-rows.js';
import { tempDir } from '../support/project.js';

const table: TableInfo = {
  name: 't',
  engine: 'InnoDB',
  columns: [
    { name: 'id', dataType: 'int', unsigned: false, charset: null, generated: false, invisible: false },
    { name: 'v', dataType: 'varchar', charset: 'utf8mb4', generated: false, invisible: false },
  ],
  orderKey: ['id'],
};
const spec: KeySpec = { columns: 2, key: [{ index: 0, type: 3, unsigned: false }] };
const line = (id: number) => `INSERT INTO \`t\` VALUES (${id},'row ${id}');\n`;
const ids = Array.from({ length: 2000 }, (_, i) => (i + 1) * 10 - 5000);

async function snapshot(): Promise<{ dir: string; files: string[] }> {
  const dir = tempDir('dbsync-chunk-plan-');
  mkdirSync(path.join(dir, 'data'));
  const w = new ChunkWriter({ dir, tableStem: 't', exponent: 4 });
  for (const id of ids) w.write(line(id), String(id));
  const r = await w.finish(() => 4);
  return { dir, files: [...r.files] };
}

/** First keys of the chunks in key order. */
function firsts(dir: string): number[] {
  return readdirSync(path.join(dir, 'data'))
    .map((f) => Number(/VALUES \((-?\d+),/.exec(readFileSync(path.join(dir, 'data', f), 'utf8'))![1]))
    .sort((a, b) => a - b);
}

const plan = (dir: string, keys: number[]): Promise<ChunkPlan> =>
  planChunkReread({ snapshotAbs: dir, table, spec, keys: keys.map((k) => [BigInt(k)]), previousRows: ids.length });
const runs = (p: ChunkPlan) => (p.kind === 'chunks' ? p.reread.runs.map((r) => [r.from, r.to]) : p.kind === 'keep' ? 'keep' : p.reason);

it('maps keys to the chunk they fall in; a boundary key also dirties the chunk before; runs join neighbours', async () => {
  const { dir } = await snapshot();
  const f = firsts(dir);
  assert.ok(f.length > 40, `${f.length} chunks`);
  assert.equal(runs(await plan(dir, [])), 'keep');
  assert.deepEqual(runs(await plan(dir, [f[10]! + 1])), [[10, 10]]);
  assert.deepEqual(runs(await plan(dir, [f[10]!])), [[9, 10]], 'a chunk first key dirties the chunk before too');
  assert.deepEqual(runs(await plan(dir, [-999_999])), [[0, 0]], 'below every chunk: the first');
  assert.deepEqual(runs(await plan(dir, [999_999])), [[f.length - 1, f.length - 1]], 'above every chunk: the last');
  assert.deepEqual(runs(await plan(dir, [f[3]! + 1, f[5]! + 1, f[4]! + 1, f[20]! + 1, f[20]! + 2])), [
    [3, 5],
    [20, 20],
  ]);
  const p = await plan(dir, [f[7]! + 1]);
  assert.ok(p.kind === 'chunks');
  assert.equal(p.reread.exponent, 4);
  assert.equal(p.reread.chunks[0]!.file, 'data/t.sql');
  assert.deepEqual(
    p.reread.chunks.map((c) => Number(c.first[0])),
    f,
  );
});

it('reads the table whole when more than a quarter of its chunks changed', async () => {
  const { dir } = await snapshot();
  const f = firsts(dir);
  const many = f.slice(0, Math.ceil(f.length / 4) + 1).map((k) => k + 1);
  assert.match(String(runs(await plan(dir, many))), /chunks changed/);
});

it('reads the table whole for a renamed chunk (a name clash), files of two exponents, or a first line of another table', async () => {
  {
    const { dir, files } = await snapshot();
    const victim = files[5]!;
    renameSync(
      path.join(dir, victim),
      path.join(
        dir,
        victim.replace(/-([0-9a-f]{8})\.sql$/, (_, h: string) => `-${((parseInt(h, 16) + 1) >>> 0).toString(16).padStart(8, '0')}.sql`),
      ),
    );
    assert.match(String(runs(await plan(dir, [0]))), /not named after its first key/);
  }
  {
    const { dir, files } = await snapshot();
    renameSync(path.join(dir, files[5]!), path.join(dir, files[5]!.replace('@4-', '@5-')));
    assert.match(String(runs(await plan(dir, [0]))), /several exponents/);
  }
  {
    const { dir, files } = await snapshot();
    writeFileSync(path.join(dir, files[3]!), "INSERT INTO `u` VALUES (1,'x');\n");
    assert.match(String(runs(await plan(dir, [0]))), /not read/);
  }
  {
    const dir = tempDir('dbsync-chunk-plan-');
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 't.sql'), line(1));
    assert.match(String(runs(await plan(dir, [1]))), /single data file/);
  }
});
