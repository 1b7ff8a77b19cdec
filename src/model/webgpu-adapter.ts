/**
 * What the WebGPU adapter is, before and after TF.js' webgpu backend starts: vendor, architecture,
 * description and the fallback (software) flag, read from navigator.gpu's adapter (GPUAdapterInfo;
 * Chrome 132+ carries isFallbackAdapter in `info`, older ones on the adapter).
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterDescription } from '../platform/backend-decision';

interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface RawAdapter {
  info?: RawAdapterInfo;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<RawAdapterInfo>;
}

function toDescription(info: RawAdapterInfo | undefined, fallbackFlag?: boolean): AdapterDescription {
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: !!(info?.isFallbackAdapter ?? fallbackFlag),
  };
}

/** The adapter TF.js would get (high-performance), or why there is none. */
export async function requestAdapterDescription(): Promise<
  { adapter: AdapterDescription } | { reason: string }
> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(o?: object): Promise<unknown> } } })
    .navigator?.gpu;
  if (!gpu) return { reason: 'navigator.gpu is not available (WebGPU unsupported or disabled)' };
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as RawAdapter | null;
  if (!adapter) return { reason: 'the browser offers no WebGPU adapter' };
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.());
  return { adapter: toDescription(info, adapter.isFallbackAdapter) };
}

/** The running webgpu backend's adapter. */
export function runningAdapterDescription(): AdapterDescription | undefined {
  const backend = tf.backend() as unknown as {
    device?: { adapterInfo?: RawAdapterInfo };
    adapterInfo?: RawAdapterInfo;
  };
  // tfjs-backend-webgpu's own `adapterInfo` keeps only vendor and architecture; the device's
  // GPUAdapterInfo (Chrome 132+) also has the description and the fallback (software) flag.
  const info = backend.device?.adapterInfo ?? backend.adapterInfo;
  return info ? toDescription(info) : undefined;
}
