import { formatBytes } from '../../contract/format';
import type { DeviceLimits, ModelInfo } from '../../contract/protocol';

const ORIGIN_TEXT: Record<ModelInfo['origin'], string> = {
  pretrained: 'pretrained weights',
  'random-init': 'random initialisation (no pretrained weights found)',
  imported: 'imported folder',
};

function limitsText(l: DeviceLimits): string {
  const parts: string[] = [];
  parts.push(
    l.deviceMemoryGiB !== undefined
      ? `device memory ~${l.deviceMemoryGiB} GiB`
      : 'device memory not reported',
  );
  if (l.maxStorageBufferBindingSize !== undefined)
    parts.push(`GPU binding limit ${formatBytes(l.maxStorageBufferBindingSize)}`);
  if (l.maxBufferSize !== undefined) parts.push(`GPU buffer limit ${formatBytes(l.maxBufferSize)}`);
  return `${parts.join(', ')} (${l.backend})`;
}

/** Architecture, size and memory estimate of a loaded base model. */
export function ModelInfoView({ info }: { info: ModelInfo }) {
  const c = info.config;
  return (
    <>
      <dl className="facts" data-testid={`${info.role}-model-info`}>
        <dt>Model</dt>
        <dd data-testid={`${info.role}-model-name`}>{info.name}</dd>
        <dt>Weights</dt>
        <dd className={info.origin === 'random-init' ? 'warn-text' : undefined}>
          {ORIGIN_TEXT[info.origin]}
        </dd>
        <dt>Architecture</dt>
        <dd>
          {c.nLayer} layers, {c.nHead} heads, width {c.nEmbd}, context {c.contextLength}, vocabulary{' '}
          {c.vocabSize} ({info.tokenizer === 'bytes' ? 'byte-level' : 'GPT-2 BPE'})
        </dd>
        <dt>Parameters</dt>
        <dd data-testid={`${info.role}-model-parameters`}>{info.parameters.toLocaleString('en-US')}</dd>
        <dt>Memory</dt>
        <dd data-testid={`${info.role}-model-memory`}>
          about {formatBytes(info.memory.trainingBytes)} to train with DP (micro-batch {info.memory.batch} x{' '}
          {info.memory.seqLen} tokens), {formatBytes(info.memory.inferenceBytes)} to generate
        </dd>
        <dt>Fits</dt>
        <dd>yes: {limitsText(info.limits)}</dd>
      </dl>
      {info.warnings.length > 0 && (
        <ul className="notes">
          {info.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </>
  );
}
