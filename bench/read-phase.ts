/**
 * The read phase alone, in a process of its own: `takeSnapshot` of one database into a staging
 * folder (read, format, chunk files), timed inside the process, without git. Run by
 * bench/first-snapshot.ts against a built product (a dist/ folder), so two builds can be compared.
 *
 *   node --import tsx bench/read-phase.ts <dist folder> <socket> <database> <staging folder> [fast|reference]
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

type TakeSnapshotModule = typeof import('../src/snapshot/take-snapshot.js');
type DatabaseModule = typeof import('../src/db/database.js');
type PolicyModule = typeof import('../src/policy/pass-policy.js');

const [dist, socket, database, staging, reader] = process.argv.slice(2);
if (!dist || !socket || !database || !staging) throw new Error('usage: read-phase.ts <dist> <socket> <database> <staging> [fast|reference]');
const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(path.join(dist, rel)).href)) as T;
const { takeSnapshot } = await load<TakeSnapshotModule>('snapshot/take-snapshot.js');
const { Database } = await load<DatabaseModule>('db/database.js');
// A build from before src/policy has no such module and takes no policy option (it never calls this one).
const policy = await load<PolicyModule>('policy/pass-policy.js').then(
  (m) => m.policyDecider(m.NO_POLICY),
  () => (): never => {
    throw new Error('this build takes no policy');
  },
);
const options = { host: '', port: 0, socket, user: 'root', password: undefined, database, connectTimeoutMs: 10_000 };
const started = performance.now();
const staged = await takeSnapshot({
  connect: () => Database.connect(options),
  schema: database,
  filter: { include: [], exclude: [] },
  stagingDir: staging,
  policy,
  ...(reader === 'fast' || reader === 'reference' ? { reader } : {}),
});
const ms = performance.now() - started;
let rows = 0;
for (const n of staged.rowCounts.values()) rows += n;
console.log(JSON.stringify({ ms, rows, files: staged.files.length, lockMs: staged.lockMs }));
