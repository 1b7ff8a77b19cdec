import { useShallow } from 'zustand/react/shallow';
import { clearFiles, loadDemoCorpus, setIngestOption } from '../controller';
import { type DataState, useAppStore } from '../store';
import { DataChoices } from './DataChoices';
import { DropZone } from './DropZone';
import { FileSummaryTable } from './FileSummaryTable';
import { SplitSizes } from './SplitSizes';

function statusText(data: Pick<DataState, 'status' | 'sources' | 'error'>): string {
  const n = data.sources.length;
  switch (data.status) {
    case 'empty':
      return 'No files yet.';
    case 'reading':
      return `Reading ${n} file(s)…`;
    case 'ingesting':
      return `Parsing ${n} file(s)…`;
    case 'ready':
      return `${n} file(s) ingested.`;
    case 'error':
      return `Ingest failed: ${data.error ?? 'unknown error'}`;
  }
}

export function DataPanel() {
  const data = useAppStore(
    useShallow((s) => ({
      status: s.data.status,
      sources: s.data.sources,
      error: s.data.error,
      options: s.data.options,
      summary: s.data.summary,
    })),
  );
  return (
    <section className="panel" id="data" aria-labelledby="data-heading">
      <h2 id="data-heading">Data</h2>
      <DropZone />
      <div className="picker-row">
        <button type="button" className="secondary" onClick={() => void loadDemoCorpus()}>
          Use the demo corpus
        </button>
        <span className="hint">800 public-domain passages (novels and speeches), labelled by genre.</span>
      </div>
      <fieldset className="options">
        <legend>Options</legend>
        <label>
          <input
            type="checkbox"
            checked={data.options.splitOnBlankLines}
            onChange={(e) => setIngestOption('splitOnBlankLines', e.currentTarget.checked)}
          />
          Split .txt files on blank lines (one document per paragraph)
        </label>
        <label>
          <input
            type="checkbox"
            checked={data.options.folderLabels}
            onChange={(e) => setIngestOption('folderLabels', e.currentTarget.checked)}
          />
          Use folder names as labels
        </label>
      </fieldset>
      <DataChoices />
      <div className="data-status-row">
        <p className={`data-status data-status-${data.status}`} role="status" data-testid="data-status">
          {statusText(data)}
        </p>
        {data.sources.length > 0 && (
          <button type="button" className="secondary" onClick={clearFiles}>
            Clear files
          </button>
        )}
      </div>
      {data.summary && data.sources.length > 0 && <FileSummaryTable summary={data.summary} />}
      {data.summary?.split && data.sources.length > 0 && <SplitSizes split={data.summary.split} />}
    </section>
  );
}
