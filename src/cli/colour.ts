import pc from 'picocolors';
import type { VerdictLevel } from '../status/verdict.js';

/**
 * Colour for a terminal (picocolors: off when NO_COLOR is set, when FORCE_COLOR=0, and when the
 * output is not a terminal, so logs, pipes and cron mail stay plain). Only the verdict word is
 * coloured: green OK, yellow NOT PUSHED, red FAILING / DATABASE UNREACHABLE.
 */
export function colourVerdictLine(line: string, level: VerdictLevel, colours = pc.createColors(pc.isColorSupported && process.stdout.isTTY === true)): string {
  const paint = level === 'ok' ? colours.green : level === 'not-pushed' ? colours.yellow : colours.red;
  const m = /^([A-Z][A-Z ]*[A-Z])(.*)$/s.exec(line);
  return m ? colours.bold(paint(m[1]!)) + m[2] : line;
}
