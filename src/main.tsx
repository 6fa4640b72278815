import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import 'uplot/dist/uPlot.min.css';
import './ui/styles.css';
import { App } from './ui/App';
import { ProjectGate } from './ui/ProjectGate';
import { registerServiceWorker } from './service-worker-registration';
import { installTestHooks } from './state/test-hooks';
import { getTrainingWorker } from './state/workers';

registerServiceWorker();
installTestHooks(getTrainingWorker);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ProjectGate>
      <App />
    </ProjectGate>
  </StrictMode>,
);
