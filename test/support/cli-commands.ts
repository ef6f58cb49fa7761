/**
 * Prints the CLI's command tree as JSON, read from the program's own `--help` (src/cli.ts), for the
 * documentation check (test/unit/docs.test.ts): `{ "sync": ["--adopt-remote", ...], "remote set": [...] }`.
 * Run as a child process: main() ends with process.exit, which is intercepted here per call.
 * With `--texts`: `{ "": "Usage: ...", "sync": "Usage: ...", ... }`, every help text as printed (test/unit/cli-help.test.ts).
 */
import { main } from '../../src/cli.js';

class Exit extends Error {}

async function help(words: readonly string[]): Promise<string> {
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  const exit = process.exit;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  process.exit = ((code?: number) => {
    throw new Exit(String(code));
  }) as typeof process.exit;
  try {
    await main(['node', 'git-dbsync', ...words, '--help'], {});
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
  } finally {
    process.stdout.write = write;
    process.exit = exit;
  }
  return out;
}

/** The entries of one section of commander's help ("Commands:" or "Options:"): the first word of each entry line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '') break;
    const m = /^ {2}(\S+)/.exec(l);
    if (m) out.push(m[1]!);
  }
  return out;
}

const tree: Record<string, string[]> = {};
/** With `--texts`: every help text instead, keyed by the command's words ('' for the top level). */
const texts: Record<string, string> = {};
async function walk(words: string[]): Promise<void> {
  const text = await help(words);
  texts[words.join(' ')] = text;
  const subs = section(text, 'Commands:').filter((c) => c !== 'help');
  // A command with subcommands and arguments of its own (`restore [command] [rev]`) is a command too.
  const ownArguments = /^Usage: .*\[command\] \S/m.test(text);
  if (words.length > 0 && (subs.length === 0 || ownArguments)) {
    // Options: "-h, --help" -> "--help"; "--max-age <seconds>" -> "--max-age".
    const options = text
      .split('\n')
      .slice(text.split('\n').findIndex((l) => l.trim() === 'Options:') + 1)
      .flatMap((l) => [...(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(l)?.slice(1, 2) ?? [])]);
    tree[words.join(' ')] = options;
  }
  for (const s of subs) await walk([...words, s]);
}

await walk([]);
process.stdout.write(JSON.stringify(process.argv.includes('--texts') ? texts : tree) + '\n');
