import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_DATABASE, DEMO_POLL_INTERVAL, demoEnvironment } from '../demo/demo-environment.js';
import { runDemo, type DemoCommit } from '../demo/run-demo.js';
import { createSampleDatabase } from '../demo/sample-database.js';
import { SCRIPTED_CHANGES } from '../demo/scripted-changes.js';
import { ThrowawayServer } from '../demo/throwaway-server.js';
import { ExitCode } from '../errors/exit-codes.js';
import { commandContext } from './context.js';
import { profileNotice } from './profile-notice.js';
import { secretsNotice } from './secrets-notice.js';

export interface DemoCommandOptions {
  /** Leave the throwaway server running at the end (the user stops it). */
  readonly keepDb: boolean;
}

const short = (commit: string) => commit.slice(0, 8);
const indent = (text: string, by = '  ') =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (by + l).trimEnd())
    .join('\n');

/**
 * `git-dbsync demo`: a throwaway MariaDB with an InvoicePlane database, the watcher on a new
 * repository, a few changes made the way InvoicePlane makes them, and the resulting history.
 * Ctrl-C at any point stops the server and removes its data; a second one does so at once.
 */
export async function demoCommand(
  opts: DemoCommandOptions,
  env: NodeJS.ProcessEnv,
  proc: NodeJS.EventEmitter,
  forceExit: (code: number) => void,
  out: (line: string) => void,
): Promise<number> {
  const started = Date.now();
  const abort = new AbortController();
  let server: ThrowawayServer | null = null;
  let repo: string | null = null;
  let signalled = 0;
  const onSignal = (sig: string) => {
    if (++signalled === 1) {
      out(`\n${sig} received: stopping the demo and its database server (again to stop at once)`);
      abort.abort(new Error(sig));
    } else {
      server?.killNow();
      forceExit(ExitCode.Interrupted);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  // Last resort (an unexpected error on the way out): never leave a server or its data behind.
  const onExit = () => server?.killNow();
  proc.on('SIGINT', onInt);
  proc.on('SIGTERM', onTerm);
  proc.on('exit', onExit);
  try {
    server = ThrowawayServer.create();
    out('git-dbsync demo: an InvoicePlane database, watched and committed to git as it changes.\n');
    await server.start(abort.signal);
    out(`Started a throwaway MariaDB server on port ${server.port} (data in ${server.dir}; removed at the end).`);
    const sample = await createSampleDatabase(server.options(), DEMO_DATABASE, abort.signal);
    out(
      `Created database "${sample.name}" (MariaDB ${sample.serverVersion.replace(/-.*/, '')}): InvoicePlane's ${sample.tables} tables, ${sample.rows} rows of sample data.`,
    );

    repo = mkdtempSync(path.join(os.tmpdir(), 'git-dbsync-demo-'));
    const ctx = await commandContext({}, demoEnvironment(env, server, repo), process.cwd());
    out(`Watching it into a new git repository, a pass every ${DEMO_POLL_INTERVAL} s: ${repo}\n`);
    const progress = (c: DemoCommit) => {
      if (c.title === null) {
        out(`  first snapshot -> commit ${short(c.commit)}`);
        // What `watch` says at start-up: the profile chosen, the secret columns kept out of the repository.
        for (const notice of [profileNotice(c.pass.profile), secretsNotice(c.pass.secrets)]) if (notice) out(`    ${notice.line}`);
        out('\nNow working in "InvoicePlane"; the watcher commits each change:');
      } else out(`  ${c.title}\n    -> commit ${short(c.commit)}: ${c.subject}`);
    };
    const result = await runDemo(ctx.project, {
      changes: SCRIPTED_CHANGES,
      intervalMs: DEMO_POLL_INTERVAL * 1000,
      commitTimeoutMs: 20_000,
      signal: abort.signal,
      onCommit: progress,
    });

    out('\nThe history (git log --reverse --oneline):');
    for (const h of result.history) out(`  ${short(h.commit)} ${h.subject}`);
    out('\nThe last commit (git show HEAD):');
    out(indent(result.lastCommitShown));

    if (opts.keepDb) {
      const pid = server.pid;
      server.detach();
      out(`\nThe database server keeps running (pid ${pid}). Connect:  mariadb --socket=${server.socket} -uroot ${DEMO_DATABASE}`);
      out(`Watch it yourself:  DB_SOCKET=${server.socket} DB_USER=root DB_NAME=${DEMO_DATABASE} PROJECT_DIR=${repo} npx git-dbsync watch`);
      out(`Stop it:  kill ${pid} && rm -rf ${server.dir}`);
    } else {
      await server.destroy();
      out('\nStopped the watcher and the database server, and removed its data.');
    }
    out(`The repository stays at ${repo}; explore it with:  cd ${repo} && git log --stat`);
    out(`Next: point git-dbsync at your own database (see "Quick start" in the README).`);
    out(`Demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return ExitCode.Ok;
  } catch (err) {
    if (!abort.signal.aborted) throw err;
    await server?.destroy();
    out(`Stopped. The database server is stopped and its data removed${repo ? `; the repository so far is at ${repo}` : ''}.`);
    return ExitCode.Interrupted;
  } finally {
    // Idempotent: after `destroy` or `detach` there is nothing left to do.
    await server?.destroy();
    proc.off('SIGINT', onInt);
    proc.off('SIGTERM', onTerm);
    proc.off('exit', onExit);
  }
}
