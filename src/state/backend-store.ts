import { create } from 'zustand';

import type { BackendInfo, BackendPreference } from '../worker-protocol';
import { getTrainingWorker } from './workers';

interface BackendState {
  preference: BackendPreference;
  info: BackendInfo | null;
  status: 'idle' | 'selecting' | 'ready' | 'error';
  error: string | null;
  select(preference: BackendPreference): Promise<void>;
}

export const useBackendStore = create<BackendState>((set) => ({
  preference: 'auto',
  info: null,
  status: 'idle',
  error: null,

  async select(preference) {
    set({ preference, status: 'selecting', error: null });
    try {
      const info = await getTrainingWorker().initBackend(preference);
      set({ info, status: 'ready' });
    } catch (error) {
      set({ status: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  },
}));
