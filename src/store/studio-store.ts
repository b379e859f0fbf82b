// The studio's one zustand store, made of slices (slices/: model, calibration, plan, sweep,
// preview, export, session) over one shared context (context.ts). Plain serialisable data;
// only the settings are persisted. Actions drive the engine worker through EngineClient.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import { createContext, type StudioDeps as ContextDeps } from './context';
import { DEFAULT_SETTINGS, sanitizeSettings, type Settings } from './settings';
import { calibrationData, calibrationSlice } from './slices/calibration';
import { exportData, exportSlice } from './slices/export';
import { modelData, modelSlice } from './slices/model';
import { createPlanner, planData, planSlice } from './slices/plan';
import { previewData, previewSlice } from './slices/preview';
import { sessionSlice } from './slices/session';
import { sweepData, sweepSlice } from './slices/sweep';
import type { StudioData, StudioState } from './types';

export type * from './types';
export { CALIBRATION_TEXT } from './slices/calibration';
export { HELDOUT_TEXT } from './slices/sweep';
export { zipFileName } from './slices/export';

export interface StudioDeps extends ContextDeps {
  storage?: StateStorage;
}

/** Every slice's data for a freshly opened (or no) model. */
function initialData(settings: Settings): StudioData {
  return {
    settings,
    ...modelData(),
    ...calibrationData(),
    ...planData(),
    ...sweepData(),
    ...previewData(),
    ...exportData(),
    cancelling: false,
    cancelled: null,
    error: null,
  };
}

export function createStudioStore(deps: StudioDeps): StoreApi<StudioState> {
  return createStore<StudioState>()(
    persist(
      (set, get) => {
        const ctx = createContext(deps, set, get, (client) =>
          client.onDeviceLost((error) =>
            set((s) => ({
              error,
              model: { ...s.model, status: 'lost' },
              plan: { original: null, current: null },
              calibration: { ...s.calibration, status: 'idle', result: null, progress: null, ranWith: null, engineOptions: null },
            })),
          ),
        );
        const planner = createPlanner(ctx);
        return {
          ...initialData(DEFAULT_SETTINGS),
          ...modelSlice(ctx, initialData),
          ...calibrationSlice(ctx, planner),
          ...planSlice(ctx, planner),
          ...sweepSlice(ctx),
          ...previewSlice(ctx),
          ...exportSlice(ctx),
          ...sessionSlice(ctx),
        };
      },
      {
        name: 'compact-studio.settings',
        version: 1,
        storage: createJSONStorage(() => deps.storage ?? localStorage),
        partialize: (s) => ({ settings: s.settings }),
        merge: (persisted, current) => ({ ...current, settings: sanitizeSettings((persisted as { settings?: unknown } | undefined)?.settings) }),
      },
    ),
  );
}
