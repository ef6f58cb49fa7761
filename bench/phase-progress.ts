/**
 * Progress output of a first snapshot of a large database: once on a terminal (run under
 * script(1), into a new repository) and once as logs (the stderr of the timed first `sync`,
 * which has no terminal; the caller leaves it in ctx.facts 'progress-log'). Run on the
 * employees-sized DB: the 1M-row table is now read in about a second, too short for the terminal
 * line, which appears only for a snapshot still running after 1 s.
 */
import path from 'node:path';
import { attempt, type BenchContext } from './bench-context.js';
import { runOk } from './processes.js';
import { dbsyncEnv } from './product.js';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Visible lines of terminal output: escape sequences removed, each carriage return starting a new line. */
function visibleLines(text: string): string[] {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]/g, '')
      .split(/[\r\n]+/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
  );
}

const clip = (s: string) => (s.length > 90 ? `${s.slice(0, 89)}…` : s);

export async function progressPhase(ctx: BenchContext, db: string): Promise<void> {
  await attempt(ctx, [['progress', 'dbsync']], 'progress output', async () => {
    ctx.say(`progress: first snapshot of ${db} on a terminal (script(1)), into a new repository`);
    const repo = path.join(ctx.work, `${db}-terminal`);
    const r = await runOk('git-dbsync sync on a terminal', 'script', ['-qec', `${quote(ctx.product.node)} ${quote(ctx.product.cli)} sync`, '/dev/null'], {
      env: { ...dbsyncEnv(ctx.server, db, repo), TERM: 'xterm' },
      timeoutMs: 3_600_000,
    });
    const result = ctx.facts.get('first-sync-stdout') ?? '';
    const terminal = visibleLines(r.stdout).filter((l) => !/^committed\b/.test(l) && l !== result);
    const log = visibleLines(ctx.facts.get('progress-log') ?? '');
    const sample = terminal.length > 2 ? terminal[Math.floor(terminal.length / 2)]! : terminal.at(-1);
    const termText = terminal.length === 0 ? 'terminal: none' : `terminal: ${terminal.length} updates, e.g. "${clip(sample!)}"`;
    const logText = log.length === 0 ? 'log: none' : `log: ${log.length} line(s), last "${clip(log.at(-1)!)}"`;
    ctx.table.set('progress', 'dbsync', { text: `${termText}; ${logText}` });
    const termOk = terminal.some((l) => /rows/i.test(l) && /(left|eta|remaining)/i.test(l));
    const logOk = log.some((l) => /rows/i.test(l));
    ctx.table.setMet(
      'progress',
      termOk && logOk
        ? 'yes'
        : `no (${[termOk ? '' : 'no terminal progress with rows and time left', logOk ? '' : 'no summary line in the log'].filter(Boolean).join('; ')})`,
    );
  });
}
