import type { Logger } from '../core/log.ts';

/**
 * Exit listeners of a driver (or the container runtime): added with onExit(), each told of every exit; one that
 * throws is logged and does not keep the others from hearing it.
 */
export class Listeners<T> {
  private fns: ((event: T) => void)[] = [];

  constructor(private log: Logger | undefined, private what = 'exit listener') {}

  add(fn: (event: T) => void): void {
    this.fns.push(fn);
  }

  emit(event: T): void {
    for (const fn of this.fns) {
      try {
        fn(event);
      } catch (err) {
        this.log?.error({ err }, `${this.what} failed`);
      }
    }
  }
}
