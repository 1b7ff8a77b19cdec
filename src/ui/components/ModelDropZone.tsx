import { useRef, useState } from 'react';
import type { ModelRole } from '../../contract/protocol';
import { importModelFolder } from '../controller';
import { collectDropped, filesFromInput, takeDropped } from '../file-sources';

/** Drop (or pick) a Hugging Face GPT-2 folder: config.json + model.safetensors (+ tokenizer files). */
export function ModelDropZone({ modelRole: role, disabled }: { modelRole: ModelRole; disabled: boolean }) {
  const input = useRef<HTMLInputElement | null>(null);
  const [dragging, setDragging] = useState(false);
  return (
    <div className="model-drop">
      <button
        type="button"
        className={dragging ? 'dropzone dropzone-small dropzone-active' : 'dropzone dropzone-small'}
        data-testid={`${role}-model-drop`}
        disabled={disabled}
        onClick={() => input.current?.click()}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const items = takeDropped(e.dataTransfer);
          void collectDropped(items).then((files) => importModelFolder(role, files));
        }}
      >
        <span className="dropzone-title">Import a Hugging Face GPT-2 folder</span>
        <span className="dropzone-sub">
          drop it here, or press to choose it (config.json + model.safetensors)
        </span>
      </button>
      <input
        ref={(el) => {
          input.current = el;
          if (el) el.webkitdirectory = true;
        }}
        type="file"
        multiple
        hidden
        data-testid={`${role}-folder-input`}
        onChange={(e) => {
          const el = e.currentTarget;
          if (el.files) importModelFolder(role, filesFromInput(el.files));
          el.value = '';
        }}
      />
    </div>
  );
}
