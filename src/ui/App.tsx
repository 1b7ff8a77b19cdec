import { BackendBadge } from './components/BackendBadge';
import { BackendSelect } from './components/BackendSelect';
import { DataPanel } from './components/DataPanel';
import { LogPanel } from './components/LogPanel';

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
        </div>
      </header>
      <main className="app-main">
        <DataPanel />
      </main>
      <footer className="app-footer">
        <LogPanel />
      </footer>
    </div>
  );
}
