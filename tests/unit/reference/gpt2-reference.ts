/**
 * An independent plain-JS float64 GPT-2 forward pass (no TF.js), written straight from the
 * GPT-2 definition, used as the truth the TF.js model is tested against. Weights are named
 * as in Hugging Face GPT-2; linear weights are (in, out) row-major.
 */
export interface RefConfig {
  vocabSize: number;
  contextLength: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  tieEmbeddings: boolean;
  layerNormEps: number;
}

export type RefWeights = Map<string, Float64Array>;

function w(weights: RefWeights, name: string): Float64Array {
  const v = weights.get(name);
  if (!v) throw new Error(`reference: missing ${name}`);
  return v;
}

/** y[t] = x[t] @ W + b, x: T x din, W: din x dout. */
function matmulBias(
  x: Float64Array[],
  wt: Float64Array,
  bias: Float64Array | null,
  din: number,
  dout: number,
): Float64Array[] {
  return x.map((row) => {
    const out = new Float64Array(dout);
    for (let j = 0; j < dout; j++) {
      let s = bias ? bias[j] : 0;
      for (let i = 0; i < din; i++) s += row[i] * wt[i * dout + j];
      out[j] = s;
    }
    return out;
  });
}

function layerNorm(x: Float64Array[], g: Float64Array, b: Float64Array, eps: number): Float64Array[] {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of row) variance += (v - mean) * (v - mean);
    variance /= n;
    const inv = 1 / Math.sqrt(variance + eps);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (row[i] - mean) * inv * g[i] + b[i];
    return out;
  });
}

function geluTanh(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
}

/** Logits (T x V) and final hidden states (T x d) for one sequence. */
export function referenceForward(
  cfg: RefConfig,
  weights: RefWeights,
  ids: number[],
): { logits: Float64Array[]; hidden: Float64Array[] } {
  const d = cfg.nEmbd;
  const T = ids.length;
  const wte = w(weights, 'wte.weight');
  const wpe = w(weights, 'wpe.weight');
  let x: Float64Array[] = ids.map((id, t) => {
    const row = new Float64Array(d);
    for (let i = 0; i < d; i++) row[i] = wte[id * d + i] + wpe[t * d + i];
    return row;
  });
  const nh = cfg.nHead;
  const dh = d / nh;
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `h.${l}.`;
    const a = layerNorm(x, w(weights, `${p}ln_1.weight`), w(weights, `${p}ln_1.bias`), cfg.layerNormEps);
    const qkv = matmulBias(
      a,
      w(weights, `${p}attn.c_attn.weight`),
      w(weights, `${p}attn.c_attn.bias`),
      d,
      3 * d,
    );
    const attn: Float64Array[] = Array.from({ length: T }, () => new Float64Array(d));
    for (let h = 0; h < nh; h++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < dh; i++) dot += qkv[t][h * dh + i] * qkv[s][d + h * dh + i];
          scores.push(dot / Math.sqrt(dh));
        }
        const m = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - m));
        const z = e.reduce((u, v) => u + v, 0);
        for (let s = 0; s <= t; s++) {
          const pr = e[s] / z;
          for (let i = 0; i < dh; i++) attn[t][h * dh + i] += pr * qkv[s][2 * d + h * dh + i];
        }
      }
    }
    const proj = matmulBias(
      attn,
      w(weights, `${p}attn.c_proj.weight`),
      w(weights, `${p}attn.c_proj.bias`),
      d,
      d,
    );
    x = x.map((row, t) => row.map((v, i) => v + proj[t][i]));
    const m2 = layerNorm(x, w(weights, `${p}ln_2.weight`), w(weights, `${p}ln_2.bias`), cfg.layerNormEps);
    const fc = matmulBias(
      m2,
      w(weights, `${p}mlp.c_fc.weight`),
      w(weights, `${p}mlp.c_fc.bias`),
      d,
      4 * d,
    ).map((row) => row.map(geluTanh));
    const out = matmulBias(
      fc,
      w(weights, `${p}mlp.c_proj.weight`),
      w(weights, `${p}mlp.c_proj.bias`),
      4 * d,
      d,
    );
    x = x.map((row, t) => row.map((v, i) => v + out[t][i]));
  }
  const hidden = layerNorm(x, w(weights, 'ln_f.weight'), w(weights, 'ln_f.bias'), cfg.layerNormEps);
  const head = cfg.tieEmbeddings ? wte : w(weights, 'lm_head.weight');
  const logits = hidden.map((row) => {
    const out = new Float64Array(cfg.vocabSize);
    for (let v = 0; v < cfg.vocabSize; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += row[i] * head[v * d + i];
      out[v] = s;
    }
    return out;
  });
  return { logits, hidden };
}

/** One example: input ids, next-token targets and a 0/1 mask of real targets. */
export interface RefExample {
  inputs: number[];
  targets: number[];
  mask: number[];
}

/** Per-example loss: mean cross-entropy over the example's own masked tokens (0 if none). */
export function referenceExampleLoss(cfg: RefConfig, weights: RefWeights, ex: RefExample): number {
  const { logits } = referenceForward(cfg, weights, ex.inputs);
  let total = 0;
  let count = 0;
  logits.forEach((row, t) => {
    if (!ex.mask[t]) return;
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - m);
    total += m + Math.log(z) - row[ex.targets[t]];
    count++;
  });
  return count ? total / count : 0;
}
