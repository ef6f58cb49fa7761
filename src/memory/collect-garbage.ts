import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection, asked for around huge values only (a row of many megabytes). V8
 * grows its heap before it collects, and a huge value leaves garbage of its own size behind (the
 * pieces a line was joined from, the driver's parts of a large packet): without a collection the
 * next huge value is built beside that garbage, and the peak memory of a 64 MB value was about
 * twice what it needs. Node offers no API for it, so the `gc` function is taken from a fresh
 * context after allowing it (`--expose-gc` set at run time applies to new contexts); where that is
 * not possible this does nothing. A full collection of the small heap around it takes milliseconds.
 */
let gc: (() => void) | null | undefined;

/** Bytes from which a value counts as huge: collections are asked for only around such values. */
export const HUGE_VALUE_BYTES = 8 * 1024 * 1024;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const found: unknown = vm.runInNewContext('gc');
      gc = typeof found === 'function' ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
