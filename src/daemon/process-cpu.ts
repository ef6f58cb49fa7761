import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/**
 * CPU time (ms) used so far by this process and by the child processes it has waited for (the git
 * commands of a pass): utime + stime + cutime + cstime of /proc/self/stat. Node's own
 * process.cpuUsage() leaves the children out, and git add / commit are a large share of a pass.
 * Hand-written: no library reads the children's time. Off Linux (no /proc), only this process.
 * USER_HZ is 100 on every Linux this runs on (it is fixed in the kernel ABI for /proc).
 */
export function processCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of the line, 12-15 after the name and state.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}
