/**
 * Will a model fit this device? Computed from its config before any weight is read, so a model too
 * big for the tab is refused with the reason instead of crashing it. Compares the memory estimate
 * (src/io/memory-estimate.ts modelMemory) with what the browser tells us: navigator.deviceMemory (approximate
 * RAM), the WebGPU adapter's buffer limits, and the wasm32 address space.
 */

import { formatBytes } from '../contract/format';
import type { DeviceLimits } from '../contract/protocol';
import type { ModelMemory } from '../io/memory-estimate';

const GIB = 1024 ** 3;
/** Share of the device's memory one tab can expect to use (the OS, the browser and other tabs need the rest). */
export const DEVICE_MEMORY_SHARE = 0.5;
/** The wasm backend's heap lives in a 32-bit address space. */
export const WASM_MEMORY_BYTES = 4 * GIB;

/** Why the model cannot be trained here, or null when it fits every known limit. */
export function refusalReason(role: string, memory: ModelMemory, limits: DeviceLimits): string | null {
  const what = `DP training of the ${role} (micro-batch ${memory.batch} x ${memory.seqLen} tokens)`;
  if (limits.deviceMemoryGiB !== undefined && limits.deviceMemoryGiB > 0) {
    const budget = limits.deviceMemoryGiB * GIB * DEVICE_MEMORY_SHARE;
    if (memory.trainingBytes > budget) {
      return `${what} needs about ${formatBytes(memory.trainingBytes)}, but this device reports ${limits.deviceMemoryGiB} GiB of memory, of which a tab can use about ${formatBytes(budget)}.`;
    }
  }
  if (limits.backend === 'wasm' && memory.trainingBytes > WASM_MEMORY_BYTES) {
    return `${what} needs about ${formatBytes(memory.trainingBytes)}, more than the ${formatBytes(WASM_MEMORY_BYTES)} the WASM backend can address.`;
  }
  if (limits.backend === 'webgpu') {
    const binding = limits.maxStorageBufferBindingSize;
    if (binding !== undefined && memory.largestBufferBytes > binding) {
      return `${what} needs a ${formatBytes(memory.largestBufferBytes)} GPU buffer, but this GPU binds at most ${formatBytes(binding)} (maxStorageBufferBindingSize).`;
    }
    const max = limits.maxBufferSize;
    if (max !== undefined && memory.largestBufferBytes > max) {
      return `${what} needs a ${formatBytes(memory.largestBufferBytes)} GPU buffer, but this GPU allows at most ${formatBytes(max)} (maxBufferSize).`;
    }
  }
  return null;
}
