import { useRef, useState } from 'react';
import { addFiles } from '../controller';
import { collectDropped, filesFromInput, takeDropped } from '../file-sources';

/**
 * A button that is also a drop target: click, Enter or Space opens the file picker; files and whole
 * folders can be dropped on it. A second button opens a folder picker (webkitdirectory).
 */
export function DropZone() {
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onPicked = (input: HTMLInputElement) => {
    if (input.files) addFiles(filesFromInput(input.files));
    input.value = ''; // so choosing the same files again fires `change`
  };

  return (
    <div className="dropzone-area">
      <button
        type="button"
        className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
        data-testid="dropzone"
        aria-describedby="dropzone-help"
        onClick={() => filesInput.current?.click()}
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
          // The DataTransfer is emptied once this handler returns: take its items now.
          const items = takeDropped(e.dataTransfer);
          void collectDropped(items).then(addFiles);
        }}
      >
        <span className="dropzone-title">Drop files or folders here</span>
        <span className="dropzone-sub">or press to choose files</span>
      </button>
      <p id="dropzone-help" className="hint">
        Text (.txt, .md), JSON Lines, JSON, CSV and TSV. Folder names can become labels. Nothing leaves this
        device.
      </p>
      <div className="picker-row">
        <button type="button" className="secondary" onClick={() => folderInput.current?.click()}>
          Choose a folder…
        </button>
      </div>
      <input
        ref={filesInput}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => onPicked(e.currentTarget)}
      />
      <input
        ref={(el) => {
          folderInput.current = el;
          if (el) el.webkitdirectory = true;
        }}
        type="file"
        multiple
        hidden
        data-testid="folder-input"
        onChange={(e) => onPicked(e.currentTarget)}
      />
    </div>
  );
}
