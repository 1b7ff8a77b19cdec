/**
 * UI entry. The worker starts here, outside React, so StrictMode's double effects cannot start two.
 * Nothing imported from here may import TF.js (tests/unit/ui-import-graph.test.ts checks it).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { backendChoiceFromSearch, threadsChoiceFromSearch } from './ui/backend-choice';
import { loadDemoCorpus, setTestAids, startWorker } from './ui/controller';
import { registerServiceWorker } from './ui/service-worker';
import { appStore, initAppStore, initialAppData } from './ui/store';
import { urlOptionsFromSearch } from './ui/url-options';
import './ui/styles.css';
import './ui/charts.css';
import './ui/panels.css';
import './ui/theme-dark.css';

// A file dropped outside the drop zones would otherwise make the browser navigate to it.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => e.preventDefault());
}

const { choice, invalid } = backendChoiceFromSearch(window.location.search);
const threads = threadsChoiceFromSearch(window.location.search);
const options = urlOptionsFromSearch(window.location.search);
initAppStore(initialAppData(choice, options.profile, options.presets));
if (invalid !== undefined) {
  appStore.getState().addLog('warn', `unknown backend "${invalid}" in the URL; using automatic selection`);
}
if (threads.invalid !== undefined) {
  appStore
    .getState()
    .addLog('warn', `unknown thread count "${threads.invalid}" in the URL; using every core`);
}
for (const bad of options.invalid) appStore.getState().addLog('warn', `unknown URL option ${bad}; ignored`);
setTestAids({ fault: options.fault, storage: options.storage });
startWorker(choice, threads.threads);
if (options.demo) void loadDemoCorpus();
registerServiceWorker((message) => appStore.getState().addLog('warn', message));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
