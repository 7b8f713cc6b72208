/**
 * Runs async steps one after another, in call order; a step that fails rejects only its own caller and does not
 * block the steps queued after it. Drivers use one per workload so firewall and volume changes never interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(step);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
