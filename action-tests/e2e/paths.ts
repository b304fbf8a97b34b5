import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const STACK_DIR = join(REPO_ROOT, 'action-tests/.stack');
export const STACK_FILE = join(STACK_DIR, 'stack.json');
/** Node 24, the runtime action.yml declares (jest itself runs on it too). */
export const NODE = join(REPO_ROOT, 'node_modules/.bin/node');
