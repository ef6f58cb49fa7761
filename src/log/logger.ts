import pino, { type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Logs go to stderr (stdout carries command results). `text` renders one readable line per event;
 * `json` is pino's own output for log collectors. Secret-bearing fields are redacted either way.
 */
export function createLogger(opts: { level: string; format: 'text' | 'json'; stream?: NodeJS.WritableStream }): Logger {
  const out = opts.stream ?? process.stderr;
  const options = {
    level: opts.level,
    base: undefined,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'db.password', 'git.token'], censor: '[redacted]' },
  };
  if (opts.format === 'json') return pino(options, out as pino.DestinationStream);
  const textStream = {
    write(line: string) {
      const { level, time, msg, ...rest } = JSON.parse(line) as { level: number; time: number; msg?: string } & Record<string, unknown>;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(`${new Date(time).toISOString()} ${LEVELS[level] ?? level} ${msg ?? ''}${extra ? ' ' + extra : ''}\n`);
    },
  };
  return pino(options, textStream);
}
