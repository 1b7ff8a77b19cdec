/**
 * Fused DP noise + AdamW update: one pass over a parameter's buffers. Per element j (noise element
 * i = offset + j of the seed's normal stream, src/random/noise.ts SPEC):
 *   g  = (S_j + std * z_i) / expectedBatch
 *   m' = b1 m + (1 - b1) g,   v' = b2 v + (1 - b2) g^2
 *   p' = p - (m' / (sqrt(v') * invSqrtBias2 + eps)) * stepSize - p * decay
 * (src/train/optimizer.ts's AdamW, PyTorch semantics). One invocation per Philox block, i.e. per
 * two consecutive stream elements, so each block is computed once.
 *
 * Three outputs do not fit TF.js' WebGPUProgram (one read_write binding), so this is a plain
 * WebGPU compute pipeline on the backend's device, submitted after flushing TF.js' queue.
 * `inPlace` binds theta, m, v read_write and overwrites them; otherwise results go to new buffers.
 */
import { gpuBufferOf, type WebGPUBackend } from '../webgpu-backend';
import { PHILOX_WGSL } from './philox-wgsl';

const THREADS = 256;

/** Scalars of one update, already derived in float64 (see noisy-adamw.ts). */
export interface NoisyAdamWScalars {
  key: [number, number];
  stream: [number, number];
  /** First noise element index (0 <= offset < 2^53). */
  offset: number;
  noiseStd: number;
  expectedBatch: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  stepSize: number;
  invSqrtBias2: number;
  epsilon: number;
  decay: number;
}

function shaderSource(inPlace: boolean): string {
  const bindings = inPlace
    ? `
  @group(0) @binding(1) var<storage, read_write> theta : array<f32>;
  @group(0) @binding(2) var<storage, read> gradSum : array<f32>;
  @group(0) @binding(3) var<storage, read_write> m : array<f32>;
  @group(0) @binding(4) var<storage, read_write> v : array<f32>;`
    : `
  @group(0) @binding(1) var<storage, read> theta : array<f32>;
  @group(0) @binding(2) var<storage, read> gradSum : array<f32>;
  @group(0) @binding(3) var<storage, read> m : array<f32>;
  @group(0) @binding(4) var<storage, read> v : array<f32>;
  @group(0) @binding(5) var<storage, read_write> thetaOut : array<f32>;
  @group(0) @binding(6) var<storage, read_write> mOut : array<f32>;
  @group(0) @binding(7) var<storage, read_write> vOut : array<f32>;`;
  const [tOut, mOut, vOut] = inPlace ? ['theta', 'm', 'v'] : ['thetaOut', 'mOut', 'vOut'];
  return `
  struct Params {
    key : vec2<u32>,
    stream : vec2<u32>,
    firstBlock : vec2<u32>,
    parity : u32,
    count : u32,
    blocks : u32,
    noiseStd : f32,
    expectedBatch : f32,
    beta1 : f32,
    oneMinusBeta1 : f32,
    beta2 : f32,
    oneMinusBeta2 : f32,
    stepSize : f32,
    invSqrtBias2 : f32,
    epsilon : f32,
    decay : f32,
  };
  @group(0) @binding(0) var<uniform> params : Params;
  ${bindings}
  ${PHILOX_WGSL}

  fn update(j : u32, z : f32) {
    let g = (gradSum[j] + params.noiseStd * z) / params.expectedBatch;
    let p = theta[j];
    let m1 = m[j] * params.beta1 + g * params.oneMinusBeta1;
    let v1 = v[j] * params.beta2 + (g * g) * params.oneMinusBeta2;
    let denom = sqrt(v1) * params.invSqrtBias2 + params.epsilon;
    ${tOut}[j] = p - (m1 / denom) * params.stepSize - p * params.decay;
    ${mOut}[j] = m1;
    ${vOut}[j] = v1;
  }

  @compute @workgroup_size(${THREADS})
  fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>,
          @builtin(local_invocation_index) lid : u32) {
    let t = (wid.y * nwg.x + wid.x) * ${THREADS}u + lid;
    if (t >= params.blocks) {
      return;
    }
    // 64-bit block index firstBlock + t.
    let lo = params.firstBlock.x + t;
    let hi = params.firstBlock.y + select(0u, 1u, lo < t);
    let z = philoxNormalPair(philox4x32_10(vec4<u32>(lo, hi, params.stream.x, params.stream.y), params.key));
    // Stream elements 2b and 2b + 1 sit at j = 2t - parity and 2t - parity + 1.
    if (t > 0u || params.parity == 0u) {
      update(2u * t - params.parity, z.x);
    }
    let j1 = 2u * t + 1u - params.parity;
    if (j1 < params.count) {
      update(j1, z.y);
    }
  }`;
}

const pipelines = new WeakMap<GPUDevice, Map<boolean, GPUComputePipeline>>();

function pipelineFor(device: GPUDevice, inPlace: boolean): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  let pipeline = cache.get(inPlace);
  if (!pipeline) {
    const module = device.createShaderModule({ code: shaderSource(inPlace), label: 'dpNoisyAdamW' });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(inPlace, pipeline);
  }
  return pipeline;
}

const PARAMS_BYTES = 80;

function encodeParams(s: NoisyAdamWScalars, count: number): { data: ArrayBuffer; blocks: number } {
  const firstBlock = Math.floor(s.offset / 2);
  const parity = s.offset % 2;
  const blocks = Math.floor((s.offset + count - 1) / 2) - firstBlock + 1;
  const data = new ArrayBuffer(PARAMS_BYTES);
  const u = new Uint32Array(data);
  const f = new Float32Array(data);
  const blockLo = firstBlock % 2 ** 32;
  u.set([s.key[0], s.key[1], s.stream[0], s.stream[1], blockLo, (firstBlock - blockLo) / 2 ** 32]);
  u.set([parity, count, blocks], 6);
  f.set(
    [
      s.noiseStd,
      s.expectedBatch,
      s.beta1,
      s.oneMinusBeta1,
      s.beta2,
      s.oneMinusBeta2,
      s.stepSize,
      s.invSqrtBias2,
      s.epsilon,
      s.decay,
    ],
    9,
  );
  return { data, blocks };
}

export interface NoisyAdamWBuffers {
  theta: { dataId: object };
  sum: { dataId: object };
  m: { dataId: object };
  v: { dataId: object };
  /** Absent for the in-place update. */
  out?: { theta: { dataId: object }; m: { dataId: object }; v: { dataId: object } };
}

/** Encodes and submits one fused update over `count` elements (count >= 1). */
export function dispatchNoisyAdamW(
  backend: WebGPUBackend,
  tensors: NoisyAdamWBuffers,
  count: number,
  scalars: NoisyAdamWScalars,
): void {
  const inPlace = !tensors.out;
  const info = (t: { dataId: object }) => ({ dataId: t.dataId, shape: [count], dtype: 'float32' as const });
  const inputs = [tensors.theta, tensors.sum, tensors.m, tensors.v];
  const outputs = tensors.out ? [tensors.out.theta, tensors.out.m, tensors.out.v] : [];
  const buffers = [...inputs, ...outputs].map((t) => gpuBufferOf(backend, info(t)));
  // Work TF.js has recorded but not submitted (e.g. the kernel that produced S) must run first.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();

  const device = backend.device;
  const { data, blocks } = encodeParams(scalars, count);
  const uniform = device.createBuffer({
    size: PARAMS_BYTES,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniform, 0, data);
  const pipeline = pipelineFor(device, inPlace);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: uniform } }].concat(
      buffers.map((buffer, n) => ({ binding: n + 1, resource: { buffer } })),
    ),
  });
  const groups = Math.ceil(blocks / THREADS);
  const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
  const rows = Math.ceil(groups / maxPerDim);
  if (rows > maxPerDim) throw new Error(`noisyAdamW: ${count} elements exceed one dispatch`);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(groups / rows), rows, 1);
  pass.end();
  device.queue.submit([encoder.finish()]);
  // Freed once the submitted work is done.
  uniform.destroy();
}
