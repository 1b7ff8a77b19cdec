import { useEffect, useRef } from 'react';
import { answerConfirm, useConfirmRequest } from '../confirm';

/** The app's confirmation dialog (a modal <dialog>: Escape declines, focus starts on "keep"). */
export function ConfirmDialog() {
  const request = useConfirmRequest();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) dialog.showModal();
    if (!request && dialog.open) dialog.close();
  }, [request]);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      data-testid="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(e) => {
        e.preventDefault();
        answerConfirm(false);
      }}
    >
      {request && (
        <>
          <h2 id="confirm-title">{request.title}</h2>
          <p id="confirm-message">{request.message}</p>
          <div className="picker-row confirm-buttons">
            <button
              type="button"
              className="secondary"
              data-testid="confirm-no"
              // biome-ignore lint/a11y/noAutofocus: the safe answer takes the focus in a modal question
              autoFocus
              onClick={() => answerConfirm(false)}
            >
              {request.cancelLabel ?? 'Keep it'}
            </button>
            {request.alternativeLabel && (
              <button
                type="button"
                className="secondary"
                data-testid="confirm-alternative"
                onClick={() => answerConfirm('alternative')}
              >
                {request.alternativeLabel}
              </button>
            )}
            <button
              type="button"
              className={request.danger ? 'secondary danger' : 'primary'}
              data-testid="confirm-yes"
              onClick={() => answerConfirm(true)}
            >
              {request.confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
