import type { Figure, Target } from './report.js';

/** What a benchmark file exports as its default: a name and a run that yields figures. */
export interface Benchmark {
  /** Short id, used in the table and to pick benchmarks on the command line. */
  id: string;
  title: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/** Shared by the benchmarks of one run. */
export interface BenchContext {
  /** Progress line on the console (stderr), so the table on stdout stays clean. */
  progress(message: string): void;
}

/** Builds figures for one benchmark without repeating its id on every line. */
export function figureMaker(benchmark: string) {
  return (name: string, value: number, unit: string, target?: Target, note?: string): Figure =>
    ({ benchmark, name, value, unit, ...(target ? { target } : {}), ...(note ? { note } : {}) });
}
