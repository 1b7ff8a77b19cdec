import { describe, expect, it } from 'vitest';
import type { MetricPoint, WorkerEvent } from '../../src/contract/protocol';
import { EventBatcher } from '../../src/worker/event-batcher';

function setup() {
  const posted: WorkerEvent[] = [];
  const timers: (() => void)[] = [];
  const batcher = new EventBatcher(
    (e) => posted.push(e),
    100,
    (run) => timers.push(run),
  );
  return { posted, timers, batcher };
}

const point = (step: number): MetricPoint => ({
  series: 'distildp/teacher',
  stage: 'teacher-dp',
  step,
  values: { loss: 1 },
});

describe('EventBatcher', () => {
  it('sends all points and samples of an interval in one message each, and only the newest progress per stage', () => {
    const { posted, timers, batcher } = setup();
    for (let s = 1; s <= 50; s++) {
      batcher.metric(point(s));
      batcher.setProgress({
        type: 'progress',
        method: 'distildp',
        stage: 'teacher-dp',
        done: s,
        total: 50,
        time: s,
      });
    }
    batcher.sample({ labels: ['a'], text: 'x' });
    batcher.setProgress({
      type: 'progress',
      method: 'shared',
      stage: 'generate',
      done: 1,
      total: 9,
      time: 60,
    });
    expect(timers).toHaveLength(1); // one flush scheduled, not one per event
    expect(posted).toEqual([]);
    timers[0]();
    expect(posted.map((e) => e.type)).toEqual(['progress', 'progress', 'metrics', 'samples']);
    expect(posted[0]).toMatchObject({ stage: 'teacher-dp', done: 50 });
    expect((posted[2] as { points: MetricPoint[] }).points.map((p) => p.step)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    batcher.metric(point(51));
    expect(timers).toHaveLength(2);
  });

  it('flush sends pending events at once (before a stage event) and nothing when empty', () => {
    const { posted, batcher } = setup();
    batcher.flush();
    expect(posted).toEqual([]);
    batcher.metric(point(1));
    batcher.flush();
    expect(posted).toHaveLength(1);
    batcher.flush();
    expect(posted).toHaveLength(1);
  });
});
