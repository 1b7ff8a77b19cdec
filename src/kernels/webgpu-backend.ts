/**
 * Access to the TF.js WebGPU backend for our custom programs. Only types are imported from
 * @tensorflow/tfjs-backend-webgpu: loading that module probes navigator.gpu, and the kernels must
 * also load (and fall back to their TF.js twins) where WebGPU does not exist.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type { WebGPUBackend, WebGPUProgram };

/** A uniform value passed to runWebGPUProgram (its declaration goes in the program's `uniforms`). */
export type ProgramUniform = { type: 'int32' | 'uint32' | 'float32'; data: number[] };

/** True when the active TF.js backend is webgpu: the public kernel functions then use WGSL. */
export function webgpuActive(): boolean {
  return tf.getBackend() === 'webgpu';
}

export function activeWebGPUBackend(): WebGPUBackend {
  if (!webgpuActive()) throw new Error(`the active TF.js backend is ${tf.getBackend()}, not webgpu`);
  return tf.backend() as unknown as WebGPUBackend;
}

/** Largest workgroup count per dispatch dimension (65535 on every adapter seen so far). */
export function maxWorkgroupsPerDimension(backend: WebGPUBackend): number {
  return backend.device.limits.maxComputeWorkgroupsPerDimension;
}

export function assertDispatchFits(backend: WebGPUBackend, name: string, dispatch: number[]): void {
  const limit = maxWorkgroupsPerDimension(backend);
  dispatch.forEach((n, axis) => {
    if (n > limit) {
      throw new Error(`${name}: ${n} workgroups along axis ${axis} exceed the adapter limit ${limit}`);
    }
  });
}

/** Frees an intermediate TensorInfo made inside a kernel function (never seen by the engine). */
export function disposeIntermediate(backend: WebGPUBackend, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/**
 * After a program wrote into an existing tensor's GPU buffer, drop the CPU copy the backend may
 * have cached by an earlier `data()` call, so later reads see the new contents.
 */
export function invalidateCpuCopy(backend: WebGPUBackend, info: tf.TensorInfo): void {
  const data = backend.tensorMap.get(info.dataId);
  if (data) data.values = null as unknown as typeof data.values;
}

/**
 * A tensor may be overwritten in place only if no other tensor shares its buffer (clones,
 * reshapes and a Variable's initial value share data ids) and it lives in a plain GPU buffer.
 */
export function canWriteInPlace(backend: WebGPUBackend, t: tf.Tensor): boolean {
  if (t.isDisposed || t.dtype !== 'float32') return false;
  if (backend.refCount(t.dataId) !== 1) return false;
  const data = backend.tensorMap.get(t.dataId);
  if (!data || data.complexTensorInfos || data.external) return false;
  const resource = data.resource;
  return resource == null || resource instanceof GPUBuffer;
}

/** Resolves to the GPU buffer holding a tensor, uploading it first if it only lives on the CPU. */
export function gpuBufferOf(backend: WebGPUBackend, info: tf.TensorInfo): GPUBuffer {
  backend.uploadToGPU(info.dataId);
  const resource = backend.tensorMap.get(info.dataId).resource;
  if (!(resource instanceof GPUBuffer)) throw new Error('expected a tensor stored in a GPU buffer');
  return resource;
}
