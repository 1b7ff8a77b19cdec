import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exportParamsToHF,
  importParamsFromHF,
  paramsFromSafetensors,
  paramsToSafetensors,
} from '../../src/io/params-io';
import { parseSafetensors } from '../../src/io/safetensors';
import { disposeParams, paramShapes, paramsToArrays } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

describe('params-io', () => {
  it('exports live parameters as an HF folder and imports them back as equal variables', async () => {
    const config = tinyConfig({ tieEmbeddings: false });
    const { params, ref } = randomWeights(config, 3);
    const files = await exportParamsToHF(config, params, { 'merges.txt': '#version: 0.2\n' });
    const imported = importParamsFromHF(files);
    expect(imported.config).toEqual(config);
    expect(imported.tokenizerFiles.get('merges.txt')).toBe('#version: 0.2\n');
    const back = await paramsToArrays(imported.params);
    expect([...back.keys()]).toEqual([...paramShapes(config).keys()]);
    for (const [name, shape] of paramShapes(config)) {
      expect(imported.params.get(name)!.shape).toEqual(shape);
      expect(Float64Array.from(back.get(name)!)).toEqual(ref.get(name));
    }
    disposeParams(params);
    disposeParams(imported.params);
  });

  it('writes checkpoints with un-prefixed names and reads them back with shape checks', async () => {
    const config = tinyConfig();
    const tensorsBefore = tf.memory().numTensors;
    const { params, ref } = randomWeights(config, 4);
    const bytes = await paramsToSafetensors(config, params, { step: '12' });
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ step: '12' });
    expect([...parsed.tensors.keys()]).toEqual([...paramShapes(config).keys()]);
    const loaded = paramsFromSafetensors(config, bytes);
    for (const [name, v] of loaded) expect(Float64Array.from(await v.data())).toEqual(ref.get(name));
    const wider = tinyConfig({ nEmbd: 16 });
    expect(() => paramsFromSafetensors(wider, bytes)).toThrow(
      'parameter wte.weight: expected shape [23,16] got [23,8]',
    );
    disposeParams(params);
    disposeParams(loaded);
    expect(tf.memory().numTensors).toBe(tensorsBefore); // nothing leaked
  });
});
