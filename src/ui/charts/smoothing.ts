/**
 * TensorBoard's scalar smoothing: a debiased exponential moving average. With weight w in [0, 1),
 * s_t = w * s_{t-1} + (1 - w) * y_t from s_0 = 0, divided by 1 - w^n (n = finite values so far) so
 * the first values are not pulled towards 0. Non-finite values pass through unchanged and do not
 * enter the average; a constant series is returned as it is (no float drift). w = 0 is the raw
 * series. Same as tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1), got ${weight}`);
  const out = new Array<number>(values.length);
  let constant = true;
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) constant = false;
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i];
    if (constant || weight === 0 || !Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * weight + (1 - weight) * y;
    count++;
    out[i] = last / (1 - weight ** count);
  }
  return out;
}
