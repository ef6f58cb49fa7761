/**
 * The keyless-secret guard searches HEAD's data files once per commit: the same HEAD is never
 * searched again (in this process or the next, through .git/dbsync), and a new HEAD only where it
 * differs from the last clean one; encrypted values are still found wherever they come from.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git, type GitResult } from '../../src/git/git.js';
import { noteOwnCommit, refuseKeylessOverEncrypted, type GuardedProject } from '../../src/project/keyless-guard.js';
import { TOKEN_PREFIX } from '../../src/secrets/secret-cipher.js';
import { baseEnv, git, tempDir } from '../support/project.js';

/** A Git that notes the searches it ran (`grep`) and the commits it compared (`diff`), with what `grep` searched. */
class CountingGit extends Git {
  readonly searches: string[] = [];
  readonly searched: string[][] = [];

  override run(args: readonly string[], opts?: Parameters<Git['run']>[1]): Promise<GitResult> {
    if (args[0] === 'grep' || args[0] === 'diff') this.searches.push(args[0]);
    if (args[0] === 'grep') this.searched.push(args.slice(args.indexOf('--') + 1));
    return super.run(args, opts);
  }
}

function setUp() {
  const dir = tempDir('dbsync-guard-');
  git(dir, ['init', '-q', '--initial-branch=main']);
  const stateDir = path.join(dir, '.git', 'dbsync');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(path.join(dir, 'db', 'data'), { recursive: true });
  const commit = (file: string, text: string) => {
    writeFileSync(path.join(dir, 'db', 'data', file), text);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', file]);
  };
  /** A new process's view: its own Git and project object, the same repository and state folder. */
  const project = (): GuardedProject & { git: CountingGit } => ({
    git: new CountingGit(dir, baseEnv()),
    stateDir,
    snapshotPath: 'db',
    config: { secrets: { key: undefined, mode: 'auto' } },
  });
  return { commit, project };
}

describe('keyless guard cache', () => {
  it('searches each HEAD once: not again in the same process, nor in the next one', async () => {
    const { commit, project } = setUp();
    commit('t.sql', "INSERT INTO `t` VALUES (1,'plain');\n");
    const p = project();
    await refuseKeylessOverEncrypted(p);
    await refuseKeylessOverEncrypted(p);
    assert.deepEqual(p.git.searches, ['grep'], 'one full search, then none for the same HEAD');
    const next = project();
    await refuseKeylessOverEncrypted(next);
    assert.deepEqual(next.git.searches, [], 'a later process trusts the result kept in .git/dbsync');

    // A new commit: only the files that changed since the clean one are searched.
    commit('u.sql', "INSERT INTO `u` VALUES (2,'also plain');\n");
    await refuseKeylessOverEncrypted(next);
    assert.deepEqual(next.git.searches, ['diff', 'grep']);
    assert.deepEqual(next.git.searched, [['db/data/u.sql']]);
    await refuseKeylessOverEncrypted(next);
    assert.deepEqual(next.git.searches, ['diff', 'grep'], 'and that HEAD is not searched again');
  });

  it('still refuses when a new commit (say, pulled from another computer) brings encrypted values', async () => {
    const { commit, project } = setUp();
    commit('t.sql', "INSERT INTO `t` VALUES (1,'plain');\n");
    const p = project();
    await refuseKeylessOverEncrypted(p);
    commit('t@4-00000001.sql', `INSERT INTO \`t\` VALUES (2,'${TOKEN_PREFIX}abc');\n`);
    await assert.rejects(refuseKeylessOverEncrypted(p), /the last snapshot holds encrypted secrets \(in db\/data\/t@4-00000001\.sql\)/);
    // Every time, in every process: a refusal is never remembered as clean.
    await assert.rejects(refuseKeylessOverEncrypted(project()), /encrypted secrets/);
  });

  it("takes this process's own commit on a clean parent as clean when the files it changed hold no encrypted value, without git", async () => {
    const { commit, project } = setUp();
    commit('t.sql', "INSERT INTO `t` VALUES (1,'plain');\n");
    const p = project();
    await refuseKeylessOverEncrypted(p);
    const head = () => git(p.git.workTree, ['rev-parse', 'HEAD']).trim();
    const file = (f: string) => path.join(p.git.workTree, 'db', 'data', f);
    let parent = head();
    commit('u.sql', "INSERT INTO `u` VALUES (2,'also plain');\n");
    await noteOwnCommit(p, parent, head(), [file('u.sql')]);
    await refuseKeylessOverEncrypted(p);
    assert.deepEqual(p.git.searches, ['grep'], 'no comparison and no search for the own clean commit');

    // A changed file with an encrypted value: not taken as clean, and the guard still refuses.
    parent = head();
    commit('v.sql', `INSERT INTO \`v\` VALUES (3,'${TOKEN_PREFIX}abc');\n`);
    await noteOwnCommit(p, parent, head(), [file('v.sql')]);
    await assert.rejects(refuseKeylessOverEncrypted(p), /encrypted secrets \(in db\/data\/v\.sql\)/);
    // A parent that was not found clean here: nothing is taken for granted either.
    const q = project();
    commit('w.sql', "INSERT INTO `w` VALUES (4,'plain');\n");
    await noteOwnCommit(q, parent, head(), [file('w.sql')]);
    await assert.rejects(refuseKeylessOverEncrypted(q), /encrypted secrets/);
  });

  it('searches everything again when the remembered commit is gone or the state file is damaged', async () => {
    const { commit, project } = setUp();
    commit('t.sql', "INSERT INTO `t` VALUES (1,'plain');\n");
    const p = project();
    writeFileSync(path.join(p.stateDir, 'keyless-checked.json'), JSON.stringify({ commit: 'f'.repeat(40), folder: 'db/data' }));
    await refuseKeylessOverEncrypted(p);
    assert.deepEqual(p.git.searches, ['diff', 'grep'], 'the comparison fails on an unknown commit: full search');
    assert.deepEqual(p.git.searched, [['db/data']]);
    const q = project();
    writeFileSync(path.join(q.stateDir, 'keyless-checked.json'), '{"commit": "trunc');
    await refuseKeylessOverEncrypted(q);
    assert.deepEqual(q.git.searches, ['grep']);
  });
});
