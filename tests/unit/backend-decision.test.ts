import { describe, expect, it } from 'vitest';
import {
  adapterName,
  chooseByProbe,
  softwareAdapterReason,
  softwareAdapterSkip,
} from '../../src/platform/backend-decision';

const adapter = (over: Partial<Parameters<typeof adapterName>[0]> = {}) => ({
  vendor: 'nvidia',
  architecture: 'ampere',
  description: 'NVIDIA GeForce RTX 3060',
  isFallbackAdapter: false,
  ...over,
});

describe('software WebGPU adapters are never chosen automatically', () => {
  it('flags the fallback adapter and CPU renderers by name, not real GPUs', () => {
    // Headless Chromium here: Google's SwiftShader, flagged as fallback.
    const swiftshader = adapter({
      vendor: 'google',
      architecture: 'swiftshader',
      description: '',
      isFallbackAdapter: true,
    });
    expect(softwareAdapterReason(swiftshader)).toBe(
      'the WebGPU adapter (google · swiftshader) is a fallback (software) adapter',
    );
    // The same renderer without the flag (older Chrome), and Mesa's llvmpipe, are caught by name.
    expect(softwareAdapterReason({ ...swiftshader, isFallbackAdapter: false })).toMatch(
      /renders in software/,
    );
    expect(
      softwareAdapterReason(
        adapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }),
      ),
    ).toMatch(/renders in software/);
    expect(softwareAdapterReason(adapter({ description: 'Microsoft Basic Render Driver' }))).toMatch(
      /software/,
    );
    expect(softwareAdapterReason(adapter())).toBeNull();
    expect(
      softwareAdapterReason(adapter({ vendor: 'apple', architecture: 'metal-3', description: '' })),
    ).toBeNull();
    expect(softwareAdapterSkip(swiftshader)).toMatch(
      /slower than WASM \(choose WebGPU in the menu to use it anyway\)$/,
    );
    expect(softwareAdapterSkip(adapter())).toBeNull();
  });

  it('names an adapter by vendor and architecture, else its description', () => {
    expect(adapterName(adapter())).toBe('nvidia · ampere');
    expect(adapterName(adapter({ vendor: '', architecture: '' }))).toBe('NVIDIA GeForce RTX 3060');
    expect(adapterName(adapter({ vendor: '', architecture: '', description: '' }))).toBe('unknown adapter');
  });
});

describe('between two real backends a measured DP step decides', () => {
  const model = 'teacher (4 x 128, vocabulary 258), 2 examples';

  it('takes the faster one and says both times', () => {
    expect(chooseByProbe({ webgpu_ms: 42.5, wasm_ms: 310, model })).toEqual({
      backend: 'webgpu',
      reason:
        'WebGPU was faster in a measured step: WebGPU 42.5 ms, WASM 310 ms per DP step of the teacher (4 x 128, vocabulary 258), 2 examples',
    });
    expect(chooseByProbe({ webgpu_ms: 900, wasm_ms: 300, model }).backend).toBe('wasm');
    // A tie keeps WASM (no GPU device to lose, no shader compilation).
    expect(chooseByProbe({ webgpu_ms: 300, wasm_ms: 300, model }).backend).toBe('wasm');
  });

  it('takes the one that worked when a probe failed, and fails only when both did', () => {
    expect(
      chooseByProbe({ webgpu_ms: null, wasm_ms: 300, model, errors: { webgpu: 'device lost' } }),
    ).toEqual({
      backend: 'wasm',
      reason: 'WebGPU failed its probe step (device lost)',
    });
    expect(
      chooseByProbe({ webgpu_ms: 50, wasm_ms: null, model, errors: { wasm: 'out of memory' } }).backend,
    ).toBe('webgpu');
    expect(() => chooseByProbe({ webgpu_ms: null, wasm_ms: null, model })).toThrow(/failed on both backends/);
  });
});
