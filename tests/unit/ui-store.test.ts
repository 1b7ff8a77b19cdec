import { describe, expect, it } from 'vitest';
import type { BackendInfo, IngestSummary } from '../../src/contract/protocol';
import type { SelectedFile } from '../../src/ui/file-sources';
import {
  createAppStore,
  initialAppData,
  MAX_LOG_ENTRIES,
  MAX_METRIC_POINTS,
  reduceWorkerEvent,
} from '../../src/ui/store';

const wasmInfo: BackendInfo = {
  backend: 'wasm',
  skipped: [{ backend: 'webgpu', reason: 'navigator.gpu is not available' }],
  tfjsVersion: '4.22.0',
};

function summary(documents: number): IngestSummary {
  return {
    files: [{ path: 'a.txt', status: 'ok', documents, tokens: 10 * documents, labels: [], warnings: [] }],
    totals: { files: 1, ok: 1, partial: 0, rejected: 0, documents, tokens: 10 * documents, labels: [] },
    tokenizer: 'bytes',
  };
}

const someFile = (path: string): SelectedFile => ({ path, file: new File(['x'], path.split('/').pop()!) });

describe('reduceWorkerEvent', () => {
  it('ready: records the backend and clears an earlier error', () => {
    const state = initialAppData('wasm');
    state.backend = { ...state.backend, status: 'error', error: 'old' };
    const next = reduceWorkerEvent(state, { type: 'ready', backendInfo: wasmInfo });
    expect(next.backend).toEqual({
      choice: 'wasm',
      threads: 'auto',
      status: 'ready',
      info: wasmInfo,
      error: null,
    });
    expect(next.data).toBeUndefined();
  });

  it('ingested: applies the answer to the newest request and ignores a stale one', () => {
    const state = initialAppData();
    state.data = { ...state.data, requestId: 3, status: 'ingesting' };
    expect(reduceWorkerEvent(state, { type: 'ingested', requestId: 2, summary: summary(5) })).toEqual({});
    const next = reduceWorkerEvent(state, { type: 'ingested', requestId: 3, summary: summary(7) });
    expect(next.data?.status).toBe('ready');
    expect(next.data?.summary?.totals.documents).toBe(7);
    expect(next.data?.requestId).toBe(3);
  });

  it('error: an init failure marks the backend, an ingest failure marks the data (if current)', () => {
    const state = initialAppData();
    state.data = { ...state.data, requestId: 4, status: 'ingesting' };
    const initErr = reduceWorkerEvent(state, { type: 'error', message: 'no webgpu', command: 'init' });
    expect(initErr.backend).toMatchObject({ status: 'error', error: 'no webgpu', info: null });
    expect(initErr.logs?.at(-1)).toMatchObject({
      level: 'error',
      message: 'init: no webgpu',
      source: 'worker',
    });

    const current = reduceWorkerEvent(state, {
      type: 'error',
      message: 'bad',
      command: 'ingest',
      requestId: 4,
    });
    expect(current.data).toMatchObject({ status: 'error', error: 'bad' });
    const stale = reduceWorkerEvent(state, {
      type: 'error',
      message: 'bad',
      command: 'ingest',
      requestId: 3,
    });
    expect(stale.data).toBeUndefined();
    expect(stale.logs).toHaveLength(1);

    const general = reduceWorkerEvent(state, { type: 'error', message: 'boom' });
    expect(Object.keys(general)).toEqual(['logs']);
  });

  it('the log is appended and bounded, keeping the newest', () => {
    let state = initialAppData();
    for (let i = 0; i < MAX_LOG_ENTRIES + 10; i++) {
      state = {
        ...state,
        ...reduceWorkerEvent(state, { type: 'log', level: 'info', message: `m${i}`, time: i }),
      };
    }
    expect(state.logs).toHaveLength(MAX_LOG_ENTRIES);
    expect(state.logs[0].message).toBe('m10');
    expect(state.logs.at(-1)?.message).toBe(`m${MAX_LOG_ENTRIES + 9}`);
  });

  it('metrics are appended to the run slice, bounded to the newest MAX_METRIC_POINTS', () => {
    let state = initialAppData();
    const batch = 1000;
    const batches = MAX_METRIC_POINTS / batch + 2;
    for (let b = 0; b < batches; b++) {
      const points = Array.from({ length: batch }, (_, i) => ({
        series: 'distildp/teacher',
        stage: 'teacher-dp' as const,
        step: b * batch + i + 1,
        values: { loss: 1 },
      }));
      state = { ...state, ...reduceWorkerEvent(state, { type: 'metrics', points }) };
    }
    expect(state.run.points).toHaveLength(MAX_METRIC_POINTS);
    expect(state.run.points[0].step).toBe(2 * batch + 1);
    expect(state.run.points.at(-1)?.step).toBe(batches * batch);
  });

  it('progress updates its stage, keeping the first mark for the ETA', () => {
    const state = initialAppData();
    const first = reduceWorkerEvent(state, {
      type: 'progress',
      method: 'shared',
      stage: 'generate',
      done: 3,
      total: 10,
      time: 1000,
    });
    const next = reduceWorkerEvent(
      { ...state, ...first },
      { type: 'progress', method: 'shared', stage: 'generate', done: 5, total: 10, time: 3000 },
    );
    expect(next.run?.stages['shared/generate']).toMatchObject({
      done: 5,
      total: 10,
      first: { time: 1000, done: 3 },
      last: { time: 3000, done: 5 },
    });
    expect(next.run?.stageOrder).toEqual(['shared/generate']);
  });
});

describe('store actions', () => {
  it('a cleared selection makes the answer of an ingest still in flight stale', () => {
    const store = createAppStore();
    store.getState().setSources([someFile('a.txt')]);
    const id = store.getState().beginIngest();
    expect(store.getState().data.status).toBe('reading');
    store.getState().ingestSent(id);
    expect(store.getState().data.status).toBe('ingesting');
    store.getState().setSources([]);
    store.getState().applyWorkerEvent({ type: 'ingested', requestId: id, summary: summary(2) });
    expect(store.getState().data).toMatchObject({ status: 'empty', summary: null, sources: [] });
  });

  it('only the newest ingest moves the status; ingestSent of an older one does nothing', () => {
    const store = createAppStore();
    store.getState().setSources([someFile('a.txt')]);
    const first = store.getState().beginIngest();
    const second = store.getState().beginIngest();
    expect(second).toBe(first + 1);
    store.getState().ingestSent(first);
    expect(store.getState().data.status).toBe('reading');
    store.getState().ingestFailed(first, 'old failure');
    expect(store.getState().data.status).toBe('reading');
    expect(store.getState().logs.at(-1)?.message).toBe('old failure');
    store.getState().ingestFailed(second, 'unreadable');
    expect(store.getState().data).toMatchObject({ status: 'error', error: 'unreadable' });
  });

  it('a worker failure marks the backend and an ingest in flight as failed', () => {
    const store = createAppStore();
    store.getState().setSources([someFile('a.txt')]);
    store.getState().beginIngest();
    store.getState().workerFailed('worker error: script failed');
    expect(store.getState().backend).toMatchObject({ status: 'error', error: 'worker error: script failed' });
    expect(store.getState().data.status).toBe('error');
  });

  it('backendStarting resets the backend slice; options are set one at a time', () => {
    const store = createAppStore();
    store.getState().applyWorkerEvent({ type: 'ready', backendInfo: wasmInfo });
    store.getState().backendStarting('cpu');
    expect(store.getState().backend).toEqual({
      choice: 'cpu',
      threads: 'auto',
      status: 'starting',
      info: null,
      error: null,
    });
    // A thread count is kept until another is chosen.
    store.getState().backendStarting('wasm', 2);
    store.getState().backendStarting('wasm');
    expect(store.getState().backend.threads).toBe(2);
    store.getState().setIngestOption('folderLabels', true);
    store.getState().setIngestOption('labelFields', ['category']);
    // The data choices start at fixed public defaults (text field 'text', no labels), never read from data.
    expect(store.getState().data.options).toEqual({
      splitOnBlankLines: false,
      folderLabels: true,
      textField: 'text',
      labelFields: ['category'],
    });
  });
});
