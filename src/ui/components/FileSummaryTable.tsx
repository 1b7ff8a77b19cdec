import type { FileReport, IngestSummary } from '../../contract/protocol';

/** Warnings shown per file before the rest collapse into "+N more". */
const MAX_WARNINGS_SHOWN = 5;

const STATUS_LABELS: Record<FileReport['status'], string> = {
  ok: 'ok',
  partial: 'partial',
  rejected: 'rejected',
};

const formatCount = (n: number) => n.toLocaleString('en-US');

function Notes({ file }: { file: FileReport }) {
  const shown = file.warnings.slice(0, MAX_WARNINGS_SHOWN);
  const hidden = file.warnings.length - shown.length;
  if (!file.reason && shown.length === 0) return null;
  return (
    <ul className="notes">
      {file.reason && <li className="note-reason">{file.reason}</li>}
      {shown.map((w) => (
        <li key={w}>{w}</li>
      ))}
      {hidden > 0 && <li className="note-more">+{hidden} more</li>}
    </ul>
  );
}

/** One row per file (status, documents, tokens, labels, why it was rejected or partial) and totals. */
export function FileSummaryTable({ summary }: { summary: IngestSummary }) {
  const { totals } = summary;
  return (
    <div className="table-wrap">
      <table className="file-table" data-testid="file-summary">
        <caption>
          {formatCount(totals.files)} file(s): {totals.ok} ok, {totals.partial} partial, {totals.rejected}{' '}
          rejected. Tokens counted with the {summary.tokenizer} tokenizer.
        </caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Documents
            </th>
            <th scope="col" className="num">
              Tokens
            </th>
            <th scope="col">Labels</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {summary.files.map((file) => (
            <tr key={file.path} data-testid="file-row" data-path={file.path} data-status={file.status}>
              <th scope="row" className="path">
                {file.path}
                {file.format && <span className="format">{file.format}</span>}
              </th>
              <td>
                <span className={`status status-${file.status}`}>{STATUS_LABELS[file.status]}</span>
              </td>
              <td className="num" data-testid="file-documents">
                {formatCount(file.documents)}
              </td>
              <td className="num">{file.tokens === undefined ? '–' : formatCount(file.tokens)}</td>
              <td data-testid="file-labels">{file.labels.join(', ')}</td>
              <td data-testid="file-notes">
                <Notes file={file} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="totals-row">
            <th scope="row">Total</th>
            <td className="nowrap">
              {totals.ok + totals.partial} of {totals.files} used
            </td>
            <td className="num" data-testid="total-documents">
              {formatCount(totals.documents)}
            </td>
            <td className="num" data-testid="total-tokens">
              {formatCount(totals.tokens)}
            </td>
            <td data-testid="total-labels">{totals.labels.join(', ')}</td>
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
