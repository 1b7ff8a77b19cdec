import { initBackend } from '../../../src/model/backend';

/** Every unit test runs TF.js on the wasm backend, as the CLI does. */
export async function useWasm(): Promise<void> {
  const info = await initBackend({ override: 'wasm' });
  if (info.backend !== 'wasm') throw new Error(`expected wasm, got ${info.backend}`);
}
