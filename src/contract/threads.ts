/**
 * What the UI may ask of the WASM backend's threads: the most it can have and how a `?threads=`
 * value is read. Facts of tfjs-backend-wasm, kept with the backend (model/wasm-threads.ts, pure);
 * the UI reads them here, through the contract.
 */
export { MAX_WASM_THREADS, parseThreadCount } from '../model/wasm-threads';
