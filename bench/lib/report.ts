import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { significant } from './stats.js';

/**
 * A target a figure is held to: `atLeast` for rates and ratios, `under` for latencies
 * and sizes.
 */
export interface Target {
  atLeast?: number;
  under?: number;
}

/** One measured number, with its unit and, when the product promises one, its target. */
export interface Figure {
  benchmark: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** What was measured and how, when the name alone does not say it. */
  note?: string;
}

export type Verdict = 'met' | 'missed' | 'info';

/** Whether a figure meets its target, and by how much it misses (a fraction of it). */
export function judge(figure: Figure): { verdict: Verdict; missedBy: number | null } {
  const { target, value } = figure;
  if (!target) return { verdict: 'info', missedBy: null };
  if (target.atLeast !== undefined && !(value >= target.atLeast)) {
    return { verdict: 'missed', missedBy: (target.atLeast - value) / target.atLeast };
  }
  if (target.under !== undefined && !(value < target.under)) {
    return { verdict: 'missed', missedBy: (value - target.under) / target.under };
  }
  return { verdict: 'met', missedBy: null };
}

function describeTarget(target: Target | undefined): string {
  if (!target) return '';
  if (target.atLeast !== undefined) return `>= ${target.atLeast}`;
  return `< ${target.under}`;
}

function describeVerdict(figure: Figure): string {
  const { verdict, missedBy } = judge(figure);
  if (verdict === 'info') return '';
  if (verdict === 'met') return 'met';
  return `MISSED by ${Math.round((missedBy ?? 0) * 100)}%`;
}

/** The figures as a plain-text table, one row per figure, grouped by benchmark. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.benchmark, f.name, String(significant(f.value)), f.unit,
    describeTarget(f.target), describeVerdict(f)]);
  const header = ['benchmark', 'figure', 'value', 'unit', 'target', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) =>
    (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
    .join('\n');
}

/** Writes the run as JSON under `dir`, named by its start time; returns the file path. */
export function writeResults(dir: string, run: { startedAt: Date; loadAtStart: number },
  figures: readonly Figure[], failures: readonly { benchmark: string; error: string }[]):
  string {
  const { startedAt, loadAtStart } = run;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(), node: process.version, platform: process.platform,
    loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg()[0] };
  const body = {
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine,
    figures: figures.map((f) => ({ ...f, ...judge(f) })), failures,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** One line on how busy the machine was: absolute latencies depend on it, ratios less. */
export function describeMachine(loadAtStart: number): string {
  const load = (n: number) => n.toFixed(1);
  return `machine: ${cpus().length} cores, load average ${load(loadAtStart)} at start, `
    + `${load(loadavg()[0]!)} at end`;
}
