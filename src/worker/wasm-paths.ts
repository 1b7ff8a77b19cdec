/**
 * URLs of the tfjs-backend-wasm binaries inside the bundle. Vite's `?url` import copies each file
 * into the build with a hashed name, so the wasm backend loads them from our own origin (the CSP
 * allows nothing else) instead of its default CDN-style lookup next to the script.
 * setWasmPaths insists on all three names; the threaded one is never fetched because the backend
 * module turns WASM multithreading off (it hung in a bundled page, see ENVIRONMENT.md).
 */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const tfjsWasmPaths: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
};
