import { describe, expect, it } from 'vitest';
import { classifyFailure, otherBackends } from '../../src/worker/failure';

describe('classifyFailure', () => {
  it('recognises the training loops’ divergence errors', () => {
    for (const msg of [
      'training diverged: loss is NaN at step 3',
      'training diverged: loss is Infinity at DP step 7',
    ]) {
      const f = classifyFailure(new Error(msg), 'webgpu');
      expect(f.kind).toBe('non-finite');
      expect(f.message).toContain(msg);
      expect(f.message).toContain('The last checkpoint is intact');
      expect(f.message).toContain('wasm or cpu');
    }
    expect(
      classifyFailure(
        new Error('shared/teacher-dp: parameter wte.weight of model holds a non-finite value (NaN)'),
        'wasm',
      ).kind,
    ).toBe('non-finite');
  });

  it('recognises out-of-memory from wasm, WebGPU and JS', () => {
    for (const msg of [
      'Aborted(OOM)',
      'Failed to allocate buffer',
      'RangeError: Array buffer allocation failed',
      'Cannot enlarge memory arrays',
    ]) {
      expect(classifyFailure(new Error(msg), 'wasm').kind, msg).toBe('out-of-memory');
    }
    expect(
      classifyFailure(new RangeError('Invalid typed array length: 4294967296'), 'cpu').message,
    ).toContain('RangeError: Invalid typed array length');
  });

  it('a lost device wins over whatever error it caused', () => {
    const f = classifyFailure(
      new Error('checkpoint of shared/teacher-dp not written'),
      'webgpu',
      'destroyed: device lost',
    );
    expect(f.kind).toBe('device-lost');
    expect(f.message).toContain('destroyed: device lost');
    expect(f.message).toContain('Continue on wasm or cpu');
  });

  it('storage refusals and anything else', () => {
    expect(classifyFailure(new DOMException('quota exceeded', 'QuotaExceededError'), 'wasm').kind).toBe(
      'storage',
    );
    const other = classifyFailure('weird', null);
    expect(other).toEqual({
      kind: 'error',
      message:
        'The run stopped with an error: weird. The last checkpoint is intact: resume continues from it.',
    });
    expect(otherBackends('wasm')).toEqual(['webgpu', 'cpu']);
  });
});
