// Page-wide slice: plain settings updates, the error banner, and cancel.
import type { StoreContext } from '../context';
import type { StudioActions } from '../types';

export function sessionSlice(ctx: StoreContext): Pick<StudioActions, 'updateSettings' | 'updateEval' | 'cancel' | 'reportError' | 'dismissError'> {
  const { set } = ctx;
  return {
    updateSettings(patch) {
      set((s) => ({ settings: { ...s.settings, ...patch } }));
    },
    updateEval(patch) {
      set((s) => ({ settings: { ...s.settings, eval: { ...s.settings.eval, ...patch } } }));
    },
    cancel: () => ctx.cancelAll(),
    reportError(error) {
      set({ error });
    },
    dismissError() {
      set({ error: null });
    },
  };
}
