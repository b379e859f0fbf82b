// The app's store instance and narrow selector hook.
import { useStore } from 'zustand';
import { engineClient } from '../worker/client';
import { createStudioStore, type StudioState } from './studio-store';

export const studioStore = createStudioStore({
  client: engineClient,
  fetchText: async (name) => {
    const res = await fetch(`${import.meta.env.BASE_URL}${name}`);
    if (!res.ok) throw new Error(`Could not load the built-in text ${name} (HTTP ${res.status}). Reload the page.`);
    return res.text();
  },
});

export function useStudio<T>(selector: (s: StudioState) => T): T {
  return useStore(studioStore, selector);
}

export type { StudioState } from './studio-store';
