/**
 * Makes tfjs-backend-wasm's multi-threaded (threaded-SIMD) build work inside a Vite bundle.
 *
 * Why the threaded backend hung in our production bundle (tfjs-backend-wasm 4.22,
 * dist/backend_wasm.js `init()`): with threads, XNNPACK runs on a pool of 8 emscripten pthread
 * workers, created up front; the module only becomes ready once each has reported `loaded`. Each
 * pthread worker is a blob: script (`wasmWorkerContents`) that `importScripts(mainScriptUrlOrBlob)`
 * and calls `WasmBackendModuleThreadedSimd(Module)`, and tfjs sets
 *   mainScriptUrlOrBlob = new Blob(['var WasmBackendModuleThreadedSimd = ' + factory.toString()])
 * i.e. it re-creates the emscripten module from the *source text of the bundled function*. Two
 * things break that in our build, and every pthread worker dies before saying `loaded`, so
 * `tf.setBackend('wasm')` waits forever (measured in headless Chromium 156, preview build):
 *  1. the minifier renames the factory's closure variable `_scriptDir` to `e` and folds
 *     `typeof _scriptDir !== "undefined" && _scriptDir` into `e!==void 0&&e`, so the function text,
 *     evaluated alone in the worker, throws `ReferenceError: e is not defined`;
 *  2. even before that, our CSP (`script-src 'self'`, inherited by blob: workers) blocks
 *     `importScripts(blob:...)`: "NetworkError: Failed to execute 'importScripts'".
 * Fix (no CSP relaxation): point mainScriptUrlOrBlob at a same-origin URL of the *unmodified*
 * emscripten script (wasm-out/tfjs-backend-wasm-threaded-simd.js, emitted verbatim by `?url`).
 * The pthread worker itself stays a blob: worker (`worker-src blob:` allows it).
 * The build fails if the code to patch is not found, so a tfjs upgrade cannot silently undo this.
 */
import type { Plugin } from 'vite';

/** The module of tfjs-backend-wasm that creates the emscripten module. */
export const TFJS_WASM_BACKEND_MODULE =
  /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;

const BLOB_MAIN_SCRIPT =
  /factoryConfig\.mainScriptUrlOrBlob = new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\);/;

const MAIN_SCRIPT_IMPORT =
  "import distildpThreadedMainScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';\n";

/** The pthread workers are blob: scripts, so the URL they import must be absolute. */
const URL_MAIN_SCRIPT =
  'factoryConfig.mainScriptUrlOrBlob = new URL(distildpThreadedMainScript, globalThis.location.href).href;';

/** Rewrites backend_wasm.js's source; throws when the expected code is absent. */
export function patchWasmBackendSource(code: string, id = 'backend_wasm.js'): string {
  if (!BLOB_MAIN_SCRIPT.test(code)) {
    throw new Error(
      `${id}: the threaded-SIMD mainScriptUrlOrBlob assignment was not found; tfjs-backend-wasm changed, ` +
        'revisit src/build/wasm-threads-plugin.ts',
    );
  }
  return MAIN_SCRIPT_IMPORT + code.replace(BLOB_MAIN_SCRIPT, URL_MAIN_SCRIPT);
}

export function wasmThreadsPlugin(): Plugin {
  return {
    name: 'distildp-tfjs-wasm-threads',
    // Dev pre-bundles tfjs-backend-wasm without minifying (the closure variable keeps its name) and
    // its CSP allows blob: scripts (vite.config.ts), so only builds need the patch.
    apply: 'build',
    transform(code, id) {
      if (!TFJS_WASM_BACKEND_MODULE.test(id)) return null;
      return { code: patchWasmBackendSource(code, id), map: null };
    },
  };
}
