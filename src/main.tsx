import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import 'uplot/dist/uPlot.min.css';
import './ui/styles.css';
import { App } from './ui/App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
