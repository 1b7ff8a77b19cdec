import { modelsIncompatibility } from '../setup-slices';
import { useAppStore } from '../store';
import { ModelCard } from './ModelCard';

export function ModelsPanel() {
  const problem = useAppStore((s) => modelsIncompatibility(s.models));
  return (
    <section className="panel" id="models" aria-labelledby="models-heading">
      <h2 id="models-heading">Models</h2>
      <div className="model-grid">
        <ModelCard modelRole="teacher" />
        <ModelCard modelRole="student" />
      </div>
      {problem && (
        <p className="alert alert-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
