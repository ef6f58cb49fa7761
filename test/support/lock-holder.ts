/**
 * A process that takes the repository lock, for the lock tests: `hold <lockPath>` takes it, prints
 * "held" and waits to be killed; `rounds <lockPath> <log> <n>` takes and gives it back n times,
 * writing "start <pid>" and "end <pid>" lines around a short piece of work in the log.
 */
import { appendFileSync } from 'node:fs';
import { acquireRepoLock } from '../../src/lock/repo-lock.js';

const [mode, lockPath, log, n] = process.argv.slice(2);
if (mode === 'hold') {
  await acquireRepoLock({ lockPath: lockPath!, timeoutMs: 30_000 });
  process.stdout.write('held\n');
  setInterval(() => undefined, 1000);
} else if (mode === 'rounds') {
  for (let i = 0; i < Number(n); i++) {
    const lock = await acquireRepoLock({ lockPath: lockPath!, timeoutMs: 60_000 });
    appendFileSync(log!, `start ${process.pid}\n`);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
    appendFileSync(log!, `end ${process.pid}\n`);
    await lock.release();
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
