/**
 * UI entry. The worker starts here, outside React, so StrictMode's double effects cannot start two.
 * Nothing imported from here may import TF.js (tests/unit/ui-import-graph.test.ts checks it).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { backendChoiceFromSearch } from './ui/backend-choice';
import { startWorker } from './ui/controller';
import { appStore } from './ui/store';
import './ui/styles.css';

// A file dropped outside the drop zone would otherwise make the browser navigate to it.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => e.preventDefault());
}

const { choice, invalid } = backendChoiceFromSearch(window.location.search);
if (invalid !== undefined) {
  appStore.getState().addLog('warn', `unknown backend "${invalid}" in the URL; using automatic selection`);
}
startWorker(choice);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
