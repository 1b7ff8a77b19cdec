/**
 * URLs of the tfjs-backend-wasm binaries inside the bundle. Vite's `?url` import copies each file
 * into the build with a hashed name, so the wasm backend loads them from our own origin (the CSP
 * allows nothing else) instead of its default CDN-style lookup next to the script.
 * The threaded-SIMD binary runs where the page is cross-origin isolated and more than one thread
 * is wanted (src/platform/wasm-threads.ts); src/build/wasm-threads-plugin.ts makes its pthread workers
 * load inside the bundle.
 */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const tfjsWasmPaths: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
};
