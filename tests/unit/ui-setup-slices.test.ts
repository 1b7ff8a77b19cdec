import { describe, expect, it } from 'vitest';
import type { ModelInfo, PlanSummary } from '../../src/contract/protocol';
import { DEFAULT_RUN_SETTINGS } from '../../src/contract/run-settings';
import {
  initialBudget,
  initialModels,
  modelsIncompatibility,
  reduceBudgetEvent,
  reduceModelsEvent,
} from '../../src/ui/setup-slices';
import { urlOptionsFromSearch } from '../../src/ui/url-options';

const info = (role: 'teacher' | 'student', vocabSize = 258): ModelInfo =>
  ({ role, name: role, tokenizer: vocabSize === 258 ? 'bytes' : 'gpt2', config: { vocabSize } }) as ModelInfo;

describe('models slice', () => {
  it('applies the answer of the newest load per role and ignores stale ones', () => {
    const loading = initialModels({ teacher: 'tiny', student: 'tiny' });
    loading.teacher = { ...loading.teacher, status: 'loading', requestId: 3 };
    expect(
      reduceModelsEvent(loading, { type: 'model', requestId: 2, role: 'teacher', info: info('teacher') }),
    ).toBe(loading);
    const ready = reduceModelsEvent(loading, {
      type: 'model',
      requestId: 3,
      role: 'teacher',
      info: info('teacher'),
    });
    expect(ready?.teacher).toMatchObject({ status: 'ready', error: null });
    const refused = reduceModelsEvent(loading, {
      type: 'modelError',
      requestId: 3,
      role: 'teacher',
      message: 'Refused: too big',
      refused: true,
    });
    expect(refused?.teacher).toMatchObject({
      status: 'error',
      error: 'Refused: too big',
      refused: true,
      info: null,
    });
    const failed = reduceModelsEvent(loading, {
      type: 'error',
      command: 'loadModels',
      requestId: 3,
      message: 'busy',
    });
    expect(failed?.teacher).toMatchObject({ status: 'error', error: 'busy' });
    expect(failed?.student).toBe(loading.student);
    expect(reduceModelsEvent(loading, { type: 'error', command: 'plan', message: 'x' })).toBeNull();
  });

  it('teacher and student must share a tokenizer', () => {
    const m = initialModels({ teacher: 'tiny', student: 'tiny' });
    expect(modelsIncompatibility(m)).toBeNull();
    m.teacher.info = info('teacher', 258);
    m.student.info = info('student', 50257);
    expect(modelsIncompatibility(m)).toMatch(
      /teacher \(bytes, vocabulary 258\) and the student \(gpt2, vocabulary 50257\)/,
    );
  });
});

describe('budget slice', () => {
  it('takes the newest plan, and a plan error of the newest request', () => {
    const b = { ...initialBudget(DEFAULT_RUN_SETTINGS), requestId: 5, planStatus: 'computing' as const };
    const plan = { sigma: 1 } as PlanSummary;
    expect(reduceBudgetEvent(b, { type: 'plan', requestId: 4, plan })).toBe(b);
    expect(reduceBudgetEvent(b, { type: 'plan', requestId: 5, plan })).toMatchObject({
      planStatus: 'ready',
      plan,
    });
    expect(
      reduceBudgetEvent(b, { type: 'error', command: 'plan', requestId: 5, message: 'few docs' }),
    ).toMatchObject({
      planStatus: 'error',
      planError: 'few docs',
      plan: null,
    });
  });
});

describe('URL options', () => {
  it('?models=tiny picks the tiny presets and profile; ?demo=1 loads the demo corpus; unknown values are reported', () => {
    expect(urlOptionsFromSearch('')).toEqual({
      profile: 'standard',
      presets: { teacher: 'teacher', student: 'student' },
      demo: false,
      invalid: [],
    });
    expect(urlOptionsFromSearch('?backend=wasm&models=tiny&demo=1')).toEqual({
      profile: 'tiny',
      presets: { teacher: 'tiny', student: 'tiny' },
      demo: true,
      invalid: [],
    });
    expect(urlOptionsFromSearch('?models=huge').invalid).toEqual(['models=huge']);
    expect(urlOptionsFromSearch('?fault=diverge@6').fault).toEqual({ divergeAtDPStep: 6 });
    expect(urlOptionsFromSearch('?fault=explode').fault).toBeUndefined();
    expect(urlOptionsFromSearch('?fault=explode').invalid).toEqual(['fault=explode']);
    expect(urlOptionsFromSearch('?storage=indexeddb').storage).toBe('indexeddb');
    expect(urlOptionsFromSearch('?storage=floppy').invalid).toEqual(['storage=floppy']);
  });
});
