import { BackendBadge } from './components/BackendBadge';
import { BackendSelect, ThreadsSelect } from './components/BackendSelect';
import { BudgetPanel } from './components/BudgetPanel';
import { DataPanel } from './components/DataPanel';
import { ExportPanel } from './components/ExportPanel';
import { LiveCharts } from './components/LiveCharts';
import { LogPanel } from './components/LogPanel';
import { ModelsPanel } from './components/ModelsPanel';
import { ResultsPanel } from './components/ResultsPanel';
import { RunPanel } from './components/RunPanel';
import { SamplesPanel } from './components/SamplesPanel';
import { SavedRunsBanner } from './components/SavedRunsBanner';
import { UpdateBanner } from './components/UpdateBanner';

const SECTIONS = [
  ['data', 'Data'],
  ['models', 'Models'],
  ['budget', 'Privacy budget'],
  ['run', 'Run'],
  ['charts', 'Charts'],
  ['samples', 'Samples'],
  ['results', 'Results'],
  ['export', 'Export'],
] as const;

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <h1>DistilDP</h1>
          <p className="tagline">Private fine-tuning and distillation of language models, on this device</p>
        </div>
        <div className="backend-controls">
          <BackendBadge />
          <BackendSelect />
          <ThreadsSelect />
        </div>
      </header>
      <nav className="section-nav" aria-label="Sections">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href={`#${id}`}>
            {label}
          </a>
        ))}
      </nav>
      <main className="app-main">
        <UpdateBanner />
        <SavedRunsBanner />
        <DataPanel />
        <ModelsPanel />
        <BudgetPanel />
        <RunPanel />
        <LiveCharts />
        <SamplesPanel />
        <ResultsPanel />
        <ExportPanel />
      </main>
      <footer className="app-footer">
        <LogPanel />
      </footer>
    </div>
  );
}
