/*
 * `npm run bench [id ...]`: runs every bench/*.bench.ts in file-name order (numbered) (or only the
 * ids given), prints one table of figures and writes it as JSON to bench/results/.
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from './lib/benchmark.js';
import { describeMachine, type Figure, formatTable, writeResults } from './lib/report.js';
import { buildService, killAllServices, ROOT } from './lib/service.js';

const BENCH_DIR = join(ROOT, 'bench');

async function loadBenchmarks(only: string[]): Promise<Benchmark[]> {
  const files = readdirSync(BENCH_DIR).filter((name) => name.endsWith('.bench.ts')).sort();
  const benchmarks: Benchmark[] = [];
  for (const file of files) {
    const module = await import(join(BENCH_DIR, file)) as { default: Benchmark };
    if (only.length === 0 || only.includes(module.default.id)) benchmarks.push(module.default);
  }
  const unknown = only.filter((id) => !benchmarks.some((b) => b.id === id));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')}`);
  return benchmarks;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  const benchmarks = await loadBenchmarks(process.argv.slice(2));
  const context: BenchContext = {
    progress: (message) => process.stderr.write(`  ${message}\n`),
  };
  process.stderr.write('building the service (tsc) ...\n');
  buildService();
  const figures: Figure[] = [];
  const failures: { benchmark: string; error: string }[] = [];
  for (const benchmark of benchmarks) {
    process.stderr.write(`${benchmark.id}: ${benchmark.title}\n`);
    try {
      figures.push(...await benchmark.run(context));
    } catch (error) {
      const message = error instanceof Error ? error.stack ?? error.message : String(error);
      failures.push({ benchmark: benchmark.id, error: message });
      process.stderr.write(`  FAILED: ${message}\n`);
    }
  }
  process.stdout.write(`\n${formatTable(figures)}\n${describeMachine(loadAtStart)}\n`);
  const file = writeResults(join(BENCH_DIR, 'results'), { startedAt, loadAtStart }, figures,
    failures);
  process.stdout.write(`\nresults: ${file}\n`);
  if (failures.length > 0) {
    process.stdout.write(`failed: ${failures.map((f) => f.benchmark).join(', ')}\n`);
    process.exitCode = 1;
  }
}

process.once('SIGINT', () => {
  killAllServices();
  process.exit(130);
});
main().catch((error: unknown) => {
  killAllServices();
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
