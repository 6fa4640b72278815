import { useEffect } from 'react';

import { useBackendStore } from '../state/backend-store';
import { useRunsStore } from '../state/runs-store';
import { BackendPanel } from './BackendPanel';
import { ClipItPanel } from './ClipItPanel';
import { ClipPanel } from './ClipPanel';
import { ContrastivePanel } from './ContrastivePanel';
import { DatasetPanel } from './DatasetPanel';
import { EvaluationPanel } from './EvaluationPanel';
import { MemoryPanel } from './MemoryPanel';
import { ModelPredictPanel } from './ModelPredictPanel';
import { ReportsPanel } from './ReportsPanel';
import { ProjectsPanel } from './ProjectsPanel';
import { ResourcePanel } from './ResourcePanel';
import { SplitPanel } from './SplitPanel';
import { TrainingPanel } from './TrainingPanel';
import { FirstRunWizard, WizardButton } from './wizard/FirstRunWizard';
import { ZeroShotPanel } from './ZeroShotPanel';
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
        <ProjectsPanel />
        <WizardButton />
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
          <ZeroShotPanel />
          <ContrastivePanel />
          <TrainingPanel />
          <EvaluationPanel />
          <RunsPanel />
          <ModelPredictPanel />
          <MemoryPanel />
        </section>
      </main>
      <ResourcePanel />
      <FirstRunWizard />
    </div>
  );
}
