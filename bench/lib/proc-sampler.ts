// Samples a process's resident memory and CPU time from /proc (Linux), and the whole machine's busy share,
// at a fixed interval, so a benchmark can report footprint over exactly the phase it measured.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { percentile } from './stats.js';

export interface ProcSample {
  /** Seconds on performance.now()'s clock (the time base every benchmark phase uses). */
  t: number;
  /** Seconds since the previous sample. */
  dt: number;
  rssMB: number;
  /** CPU of the process since the previous sample, in % of one core. */
  cpuPct: number;
  /** Busy share of all cores since the previous sample, in % (100 = every core busy). */
  machineBusyPct: number;
}

export interface Footprint {
  seconds: number;
  rssMaxMB: number;
  rssMeanMB: number;
  /** VmHWM: the kernel's own peak resident size over the process's life. */
  rssPeakMB: number | null;
  cpuSeconds: number;
  /** CPU seconds per wall second, in % of one core. */
  cpuMeanPct: number;
  cpuP95Pct: number;
  machineBusyMeanPct: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

function statusKB(pid: number, field: string): number | null {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** utime + stime of the process, in seconds. */
function cpuSecondsOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; cpu: number; machine: { busy: number; total: number } } | undefined;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  now(): number {
    return performance.now() / 1000;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The kernel's peak RSS so far (read while the process lives). */
  peakMB(): number | null {
    try {
      const kb = statusKB(this.pid, 'VmHWM');
      return kb === null ? null : kb / 1024;
    } catch {
      return null;
    }
  }

  sample(): void {
    let rssKB: number | null;
    let cpu: number;
    try {
      rssKB = statusKB(this.pid, 'VmRSS');
      cpu = cpuSecondsOf(this.pid);
    } catch {
      return; // the process has exited
    }
    const at = this.now();
    const machine = machineTicks();
    if (this.last) {
      const dt = at - this.last.at;
      const dTotal = machine.total - this.last.machine.total;
      this.samples.push({
        t: at,
        dt,
        rssMB: (rssKB ?? 0) / 1024,
        cpuPct: dt > 0 ? ((cpu - this.last.cpu) / dt) * 100 : 0,
        machineBusyPct: dTotal > 0 ? ((machine.busy - this.last.machine.busy) / dTotal) * 100 : 0,
      });
    }
    this.last = { at, cpu, machine };
  }

  /**
   * Footprint over [from, to] (seconds on performance.now()'s clock): every sample whose interval
   * (t - dt, t] overlaps it, so a phase shorter than the sampling interval still has the one that covers it.
   */
  footprint(from = 0, to = Infinity, peakMB: number | null = null): Footprint {
    // A phase that ended since the last tick (a busy machine delays the sampling timer) gets its sample
    // now, so its end is always covered whatever the timer did.
    if (to !== Infinity && (this.samples.at(-1)?.t ?? -Infinity) < to) this.sample();
    const window = this.samples.filter((s) => s.t >= from && s.t - s.dt <= to);
    if (window.length === 0) throw new Error(`no samples of process ${this.pid} between ${from} and ${to} s`);
    const seconds = window.reduce((sum, s) => sum + s.dt, 0);
    const cpuSeconds = window.reduce((sum, s) => sum + (s.cpuPct / 100) * s.dt, 0);
    const sortedCpu = window.map((s) => s.cpuPct).sort((a, b) => a - b);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      seconds,
      rssMaxMB: Math.max(...window.map((s) => s.rssMB)),
      rssMeanMB: mean(window.map((s) => s.rssMB)),
      rssPeakMB: peakMB,
      cpuSeconds,
      cpuMeanPct: (cpuSeconds / seconds) * 100,
      cpuP95Pct: percentile(sortedCpu, 95),
      machineBusyMeanPct: mean(window.map((s) => s.machineBusyPct)),
    };
  }
}
