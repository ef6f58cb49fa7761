/** DBSYNC_FILES: the cost of watch's per-poll stat scan (filesFingerprint) and of a pass's mirror for 1,000 files of 10 KB (`node --import tsx bench/files-scan.ts`). The baseline in the same run: one lstat of each file alone. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { filesFingerprint } from '../src/files/files-fingerprint.js';
import { mirrorFiles } from '../src/files/mirror-files.js';
const root = mkdtempSync(path.join(os.tmpdir(), 'fp-'));
for (let i = 0; i < 1000; i++) {
  const d = path.join(root, 'uploads', `d${i % 20}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, `f${i}.png`), Buffer.alloc(10_000, i % 256));
}
const cfg = { root, patterns: ['uploads/**'], maxFileBytes: 20 << 20, maxTotalBytes: 500 << 20 };
const time = async (f: () => Promise<unknown>, n: number) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
};
await filesFingerprint(cfg);
const fp = [] as number[];
for (let r = 0; r < 5; r++) fp.push(await time(() => filesFingerprint(cfg), 10));
fp.sort((a, b) => a - b);
const paths = Array.from({ length: 1000 }, (_, i) => path.join(root, 'uploads', `d${i % 20}`, `f${i}.png`));
const ls = [] as number[];
for (let r = 0; r < 5; r++)
  ls.push(
    await time(async () => {
      for (const p of paths) await lstat(p);
    }, 10),
  );
ls.sort((a, b) => a - b);
const out = mkdtempSync(path.join(os.tmpdir(), 'fpo-'));
const first = await time(() => mirrorFiles(cfg, path.join(out, 'files'), path.join(out, 'tmp')), 1);
const again = [] as number[];
let last: unknown;
for (let r = 0; r < 5; r++)
  again.push(
    await time(async () => {
      last = await mirrorFiles(cfg, path.join(out, 'files'), path.join(out, 'tmp'));
    }, 1),
  );
console.log((last as { written: number }).written, 'written by the last unchanged mirror');
again.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    files: 1000,
    fingerprintMsMedian: fp[2]!.toFixed(1),
    fingerprintMsMin: fp[0]!.toFixed(1),
    lstatOnlyMsMedian: ls[2]!.toFixed(1),
    ratio: (fp[2]! / ls[2]!).toFixed(2),
    mirrorFirstCopyMs: first.toFixed(0),
    mirrorUnchangedMsMedian: again[2]!.toFixed(1),
  }),
);
rmSync(root, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
