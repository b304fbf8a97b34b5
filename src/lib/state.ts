import * as core from '@actions/core';

/**
 * Step state for post steps. Inputs may be missing in a post step (actions/runner#3514), so
 * whatever cleanup needs is saved here before the resource it cleans up is created.
 */
export interface StateStore {
  save(name: string, value: string): void;
  get(name: string): string;
}

export const coreState: StateStore = {
  save: (name, value) => core.saveState(name, value),
  get: (name) => core.getState(name),
};

/** Saves a list of paths (JSON) under one name. */
export function savePaths(state: StateStore, name: string, paths: readonly string[]): void {
  state.save(name, JSON.stringify(paths));
}

export function loadPaths(state: StateStore, name: string): string[] {
  const raw = state.get(name);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}
