import { useEffect } from 'react';

import { useBackendStore } from '../state/backend-store';
import { useRunsStore } from '../state/runs-store';
import { BackendPanel } from './BackendPanel';
import { ClipItPanel } from './ClipItPanel';
import { ClipPanel } from './ClipPanel';
import { DatasetPanel } from './DatasetPanel';
import { EvaluationPanel } from './EvaluationPanel';
import { ReportsPanel } from './ReportsPanel';
import { ResourcePanel } from './ResourcePanel';
import { SplitPanel } from './SplitPanel';
import { TrainingPanel } from './TrainingPanel';
import { RunsPanel } from './RunsPanel';

export function App() {
  const selectBackend = useBackendStore((s) => s.select);
  const loadSavedRuns = useRunsStore((s) => s.loadSaved);

  useEffect(() => {
    void selectBackend('auto');
    void loadSavedRuns();
  }, [selectBackend, loadSavedRuns]);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>CLIP-IT Studio</h1>
          <p className="tagline">Histology classifiers trained on this machine. No image or report leaves it.</p>
        </div>
        <BackendPanel />
      </header>

      <main className="app-main">
        <section className="column">
          <DatasetPanel />
          <SplitPanel />
          <ReportsPanel />
        </section>
        <section className="column wide">
          <ClipPanel />
          <ClipItPanel />
          <TrainingPanel />
          <EvaluationPanel />
          <RunsPanel />
        </section>
      </main>
      <ResourcePanel />
    </div>
  );
}
