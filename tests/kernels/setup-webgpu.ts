// Makes `navigator.gpu` available in Node before tfjs-backend-webgpu is imported
// (npm `webgpu` + Chromium's SwiftShader driver; vitest.config.ts sets the driver's paths).
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const nav = (globalThis as { navigator?: object }).navigator ?? {};
if (!(globalThis as { navigator?: object }).navigator) {
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
}
Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
