/**
 * Throttles the run's chatty events to about 10 messages a second so the UI thread never drowns:
 * metric points and synthetic samples are collected and sent together; progress keeps only the
 * newest value per stage. Nothing is dropped except superseded progress.
 */
import type { MetricPoint, ProgressEvent, SyntheticSampleOut, WorkerEvent } from '../contract/protocol';

export const FLUSH_INTERVAL_MS = 100;

export type Scheduler = (run: () => void, delayMs: number) => unknown;

export class EventBatcher {
  private points: MetricPoint[] = [];
  private samples: SyntheticSampleOut[] = [];
  private progress = new Map<string, ProgressEvent>();
  private scheduled = false;

  constructor(
    private readonly post: (event: WorkerEvent) => void,
    private readonly intervalMs = FLUSH_INTERVAL_MS,
    private readonly schedule: Scheduler = (run, ms) => setTimeout(run, ms),
  ) {}

  metric(point: MetricPoint): void {
    this.points.push(point);
    this.arm();
  }

  sample(sample: SyntheticSampleOut): void {
    this.samples.push(sample);
    this.arm();
  }

  setProgress(event: ProgressEvent): void {
    this.progress.set(`${event.method}/${event.stage}`, event);
    this.arm();
  }

  /** Sends everything pending now (also before a stage or status event, to keep the order). */
  flush(): void {
    for (const p of this.progress.values()) this.post(p);
    this.progress.clear();
    if (this.points.length) this.post({ type: 'metrics', points: this.points });
    if (this.samples.length) this.post({ type: 'samples', samples: this.samples });
    this.points = [];
    this.samples = [];
  }

  private arm(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    }, this.intervalMs);
  }
}
