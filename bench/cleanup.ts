/** Things to undo when the benchmark ends, fails or is interrupted: run last-in first-out, each at most once. */
export class Cleanup {
  private readonly actions: Array<{ what: string; run: () => Promise<void> | void }> = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.actions.push({ what, run });
  }

  async runAll(report: (msg: string) => void): Promise<void> {
    while (this.actions.length > 0) {
      const a = this.actions.pop()!;
      try {
        await a.run();
      } catch (err) {
        // One failed clean-up step must not leave the others undone.
        report(`clean-up: ${a.what}: ${(err as Error).message}`);
      }
    }
  }
}
