import { describe, expect, it } from 'vitest';
import { backendChoiceFromSearch, urlWithBackendChoice } from '../../src/ui/backend-choice';

describe('backend choice in the URL', () => {
  it('reads ?backend=, case-insensitively, and reports unknown values', () => {
    expect(backendChoiceFromSearch('')).toEqual({ choice: 'auto' });
    expect(backendChoiceFromSearch('?backend=wasm')).toEqual({ choice: 'wasm' });
    expect(backendChoiceFromSearch('?demo=1&backend=WebGPU')).toEqual({ choice: 'webgpu' });
    expect(backendChoiceFromSearch('?backend=')).toEqual({ choice: 'auto' });
    expect(backendChoiceFromSearch('?backend=webgl')).toEqual({ choice: 'auto', invalid: 'webgl' });
  });

  it('writes the parameter, keeps the others, and removes it for auto', () => {
    expect(urlWithBackendChoice('http://127.0.0.1:4173/?demo=1', 'cpu')).toBe(
      'http://127.0.0.1:4173/?demo=1&backend=cpu',
    );
    expect(urlWithBackendChoice('http://127.0.0.1:4173/?backend=cpu&demo=1', 'auto')).toBe(
      'http://127.0.0.1:4173/?demo=1',
    );
    expect(urlWithBackendChoice('http://127.0.0.1:4173/?backend=cpu#x', 'wasm')).toBe(
      'http://127.0.0.1:4173/?backend=wasm#x',
    );
  });
});
